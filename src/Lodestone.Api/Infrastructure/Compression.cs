using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lodestone.Api.Infrastructure;

/// <summary>
/// Response compression (br, gzip) with ASP.NET Core's middleware, for JSON bodies over
/// <see cref="UncompressedUpTo"/> bytes, when the client sends <c>Accept-Encoding</c> and
/// <c>Http:ResponseCompression</c> is on (the default).
/// </summary>
/// <remarks>
/// <para>
/// Only <see cref="MimeTypes"/>: never <c>text/event-stream</c> (a stream must reach its reader event by
/// event) and never <c>application/octet-stream</c> — raw values are the client's bytes, often already
/// compressed (images, archives) or opaque, and compressing them again costs CPU for nothing.
/// </para>
/// <para>
/// The middleware has no size threshold: it decides at a response's first write, not knowing how much
/// follows. So a compressible body is held back (<see cref="SmallBodies"/>) until it passes the
/// threshold — then it goes on to be compressed — or ends first, and goes out as it is with a
/// Content-Length, which tells the middleware not to compress it. A small body compresses to barely
/// less (gzip adds 18 bytes of framing) and would cost each request an encoder. A request without
/// Accept-Encoding (the benchmarks, most server-side clients) costs one header lookup in each of the two.
/// </para>
/// </remarks>
internal static class Compression
{
    /// <summary>Bodies of at most this many bytes go out uncompressed.</summary>
    public const int UncompressedUpTo = 1024;

    /// <summary>The media types compressed (JSON and problem details); parameters such as charset do not matter.</summary>
    public static readonly string[] MimeTypes = ["application/json", "application/problem+json"];

    public static IServiceCollection AddLodestoneCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(options =>
        {
            // Also over HTTPS, which the framework leaves off for BREACH: see docs/operations.md,
            // "Response compression", for why that attack needs what Lodestone does not do, and the switch.
            options.EnableForHttps = true;
            options.MimeTypes = MimeTypes;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
        });
        // Fastest: compression runs on request threads beside the engine's; JSON shrinks well at any level.
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Replace(ServiceDescriptor.Singleton<IResponseCompressionProvider, OverThreshold>());
        return services;
    }

    /// <summary>The compression middleware, and inside it the threshold; nothing with <c>Http:ResponseCompression</c> off.</summary>
    public static IApplicationBuilder UseLodestoneCompression(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<HttpSettings>>().Value.ResponseCompression
            ? app.UseResponseCompression().Use(HoldSmallBodies)
            : app;

    private static Task HoldSmallBodies(HttpContext context, RequestDelegate next) =>
        // Without Accept-Encoding the compression middleware has stepped aside, and so does this.
        StringValues.IsNullOrEmpty(context.Request.Headers.AcceptEncoding) ? next(context) : HoldAsync(context, next);

    private static async Task HoldAsync(HttpContext context, RequestDelegate next)
    {
        var compressing = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var body = new SmallBodies(context, compressing);
        context.Features.Set<IHttpResponseBodyFeature>(body);
        try
        {
            await next(context);
            await body.FinishAsync();
        }
        finally
        {
            body.Release();
            context.Features.Set(compressing);
        }
    }

    private static bool IsCompressible(string? contentType)
    {
        if (contentType is null)
            return false;
        var mediaType = contentType.AsSpan();
        var parameters = mediaType.IndexOf(';');
        if (parameters >= 0)
            mediaType = mediaType[..parameters];
        mediaType = mediaType.Trim();
        foreach (var type in MimeTypes)
        {
            if (mediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    /// <summary>The framework's choice, less bodies known to be at most <see cref="UncompressedUpTo"/> bytes.</summary>
    private sealed class OverThreshold(IServiceProvider services, IOptions<ResponseCompressionOptions> options)
        : ResponseCompressionProvider(services, options)
    {
        public override bool ShouldCompressResponse(HttpContext context) =>
            context.Response.ContentLength is not <= UncompressedUpTo && base.ShouldCompressResponse(context);
    }

    /// <summary>
    /// The response body between the endpoint and the compression middleware. A compressible body
    /// without a Content-Length is held (flushes too) until it passes <see cref="UncompressedUpTo"/>
    /// bytes, then everything goes through; a body that ends first is sent whole with its
    /// Content-Length. Anything else (another media type, a length already set, a flush or
    /// StartAsync before the first write) goes straight through.
    /// </summary>
    private sealed class SmallBodies(HttpContext context, IHttpResponseBodyFeature next) : Stream, IHttpResponseBodyFeature
    {
        private enum Mode { Undecided, Holding, Passing }

        private Mode _mode;
        private byte[]? _held;
        private int _count;
        private PipeWriter? _writer;
        private bool _finished;

        public Stream Stream => this;

        public PipeWriter Writer => _writer ??= PipeWriter.Create(this, new StreamPipeWriterOptions(leaveOpen: true));

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Hold(buffer.Length))
            {
                buffer.CopyTo(_held.AsSpan(_count));
                _count += buffer.Length;
                return;
            }
            if (_count > 0)
            {
                next.Stream.Write(_held!, 0, _count);
                _count = 0;
            }
            next.Stream.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Hold(buffer.Length))
            {
                buffer.Span.CopyTo(_held.AsSpan(_count));
                _count += buffer.Length;
                return ValueTask.CompletedTask;
            }
            return _count > 0 ? PassHeldThenAsync(buffer, cancellationToken) : next.Stream.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
            if (FlushPasses())
                next.Stream.Flush();
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            FlushPasses() ? next.Stream.FlushAsync(cancellationToken) : Task.CompletedTask;

        public async Task StartAsync(CancellationToken cancellationToken = default)
        {
            await PassAsync(cancellationToken);
            await next.StartAsync(cancellationToken);
        }

        public void DisableBuffering()
        {
            // Asked for before the first write (as a stream does): let everything through.
            if (_mode == Mode.Undecided)
                _mode = Mode.Passing;
            next.DisableBuffering();
        }

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await PassAsync(cancellationToken);
            await next.SendFileAsync(path, offset, count, cancellationToken);
        }

        public async Task CompleteAsync()
        {
            await FinishAsync();
            await next.CompleteAsync();
        }

        /// <summary>Sends what is held, as a whole body with its length.</summary>
        public async Task FinishAsync()
        {
            if (_finished)
                return;
            _finished = true;
            if (_writer is not null)
                await _writer.CompleteAsync();
            if (_mode != Mode.Holding)
                return;
            _mode = Mode.Passing;
            if (!context.Response.HasStarted)
                context.Response.ContentLength = _count;
            if (_count > 0)
                await next.Stream.WriteAsync(_held.AsMemory(0, _count));
            _count = 0;
        }

        /// <summary>Returns the buffer; what it held is dropped if the request failed before <see cref="FinishAsync"/>.</summary>
        public void Release()
        {
            if (_held is not null)
                ArrayPool<byte>.Shared.Return(_held);
            _held = null;
            _count = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private Mode Decide()
        {
            if (_mode == Mode.Undecided)
                _mode = context.Response.ContentLength is null && IsCompressible(context.Response.ContentType) ? Mode.Holding : Mode.Passing;
            return _mode;
        }

        /// <summary>A flush before any write asks for the headers now: the body passes through. One while holding waits.</summary>
        private bool FlushPasses()
        {
            if (_mode == Mode.Undecided)
                _mode = Mode.Passing;
            return _mode == Mode.Passing;
        }

        /// <summary>Whether <paramref name="length"/> more bytes are to be held; when not, the body now passes through.</summary>
        private bool Hold(int length)
        {
            if (Decide() != Mode.Holding)
                return false;
            if (_count + length <= UncompressedUpTo)
            {
                _held ??= ArrayPool<byte>.Shared.Rent(UncompressedUpTo);
                return true;
            }
            _mode = Mode.Passing;
            return false;
        }

        private async ValueTask PassHeldThenAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
        {
            await next.Stream.WriteAsync(_held.AsMemory(0, _count), cancellationToken);
            _count = 0;
            await next.Stream.WriteAsync(buffer, cancellationToken);
        }

        private async Task PassAsync(CancellationToken cancellationToken)
        {
            if (Decide() == Mode.Holding)
                _mode = Mode.Passing;
            if (_count > 0)
            {
                await next.Stream.WriteAsync(_held.AsMemory(0, _count), cancellationToken);
                _count = 0;
            }
        }
    }
}
