# Lodestone: build with the SDK, run on the ASP.NET runtime image as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig Api.sln appsettings.json ./
COPY src/Lodestone.Engine/Lodestone.Engine.csproj src/Lodestone.Engine/
COPY src/Lodestone.Api/Lodestone.Api.csproj src/Lodestone.Api/
RUN dotnet restore src/Lodestone.Api/Lodestone.Api.csproj
COPY src/ src/
RUN dotnet publish src/Lodestone.Api/Lodestone.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
# Data lives in ./data (the working directory is /app), on a volume owned by the runtime user.
RUN mkdir -p /app/data && chown -R app:app /app/data
VOLUME ["/app/data"]
USER app
# Inside a container the service must listen on all interfaces, not only loopback. The port is set
# the way the official .NET images set theirs, so `-e ASPNETCORE_HTTP_PORTS=…` (or ASPNETCORE_URLS)
# moves it; the health probe follows ASPNETCORE_HTTP_PORTS.
ENV ASPNETCORE_HTTP_PORTS=8379
EXPOSE 8379
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["dotnet", "Lodestone.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Lodestone.Api.dll"]
