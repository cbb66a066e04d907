using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Serilog: levels from the <c>Serilog</c> section, text or JSON console output, and one event per
/// request — errors and slow requests always, fast successful ones at Debug so that the default
/// (Information) configuration skips them cheaply.
/// </summary>
public static class Logging
{
    public static WebApplicationBuilder AddLodestoneLogging(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(RequestLoggingSettings.Section).Get<RequestLoggingSettings>() ?? new();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext();
            if (settings.Format == "json")
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            else
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
        });
        return builder;
    }

    public static IApplicationBuilder UseLodestoneRequestLogging(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<RequestLoggingSettings>>().Value;
        return app.UseSerilogRequestLogging(options =>
        {
            options.GetLevel = (context, elapsedMs, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : elapsedMs > settings.SlowRequestMs ? LogEventLevel.Warning
                : context.Response.StatusCode >= 400 ? LogEventLevel.Information
                : LogEventLevel.Debug;
        });
    }
}
