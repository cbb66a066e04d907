using System.Text;
using Lodestone.Engine.Effects;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;
using Lodestone.Engine.Persistence.Aof;
using Microsoft.Extensions.Time.Testing;

namespace Lodestone.Engine.Tests;

/// <summary>The committed effect stream: byte offsets, the backlog, and readers that never hold the engine up.</summary>
public sealed class EffectStreamTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-effects-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(TestEngine.StartMs));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static EffectStream Stream(TestEngine engine) => engine.Executor.Effects;

    /// <summary>The stream with its backlog asked for: a first reader opened (and closed) before anything is written.</summary>
    private static EffectStream WithBacklog(TestEngine engine)
    {
        var stream = Stream(engine);
        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(stream.Offset, out var first));
        first!.Dispose();
        return stream;
    }

    private static Task<Reply> Set(Executor executor, string key, string value) =>
        executor.ExecuteAsync(Encoding.UTF8.GetBytes("SET"), Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    /// <summary>Reads until the reader reaches <paramref name="until"/>; every wait bounded.</summary>
    private static async Task<byte[]> ReadToAsync(EffectReader reader, long until)
    {
        using var timeout = new CancellationTokenSource(Bound);
        var bytes = new MemoryStream();
        var buffer = new byte[100];
        while (reader.Position < until)
        {
            var read = await reader.ReadAsync(buffer, timeout.Token);
            Assert.Equal(EffectReadStatus.Data, read.Status);
            bytes.Write(buffer, 0, read.Count);
        }
        return bytes.ToArray();
    }

    /// <summary>The records in stream bytes that start at <paramref name="offset"/>, as "offset:command args".</summary>
    private static List<string> Decode(byte[] bytes, long offset)
    {
        var segment = new MemoryStream();
        var header = new System.Buffers.ArrayBufferWriter<byte>();
        AofFormat.WriteHeader(header, offset);
        segment.Write(header.WrittenSpan);
        segment.Write(bytes);
        segment.Position = 0;
        var records = new List<string>();
        var result = AofReader.Read(segment, (at, record) => records.Add($"{at}:{string.Join(' ', record.Args.Select(a => Encoding.UTF8.GetString(a)))}"));
        Assert.Null(result.Damage);
        return records;
    }

    [Fact]
    public async Task Two_readers_see_the_same_offsets_and_bytes_as_the_log()
    {
        using var engine = new TestEngine();
        var stream = Stream(engine);
        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(stream.Offset, out var first));
        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(stream.Offset, out var second));
        using (first)
        using (second)
        {
            Assert.Equal(2, stream.Readers);
            await engine.Run("SET", "a", "1");
            await engine.Run("RPUSH", "list", "x", "y");
            await engine.Run("DEL", "a");
            var end = engine.Executor.CommittedOffset;

            var one = await ReadToAsync(first!, end);
            var two = await ReadToAsync(second!, end);

            Assert.Equal(one, two);
            // The bytes are the log's records, at their offsets, in the order the AOF got them.
            var expected = EffectBatch.Encode(engine.Log.Records, 0);
            Assert.Equal(expected.Bytes.ToArray(), one);
            var sizes = engine.Log.Records.Select(AofFormat.RecordSize).ToArray();
            Assert.Equal(["0:SET a 1", $"{sizes[0]}:RPUSH list x y", $"{sizes[0] + sizes[1]}:DEL a"], Decode(one, 0));
            Assert.Equal(end, first!.Position);
            Assert.Equal(end, second!.Position);
        }
        Assert.Equal(0, stream.Readers);
    }

    [Fact]
    public async Task A_reader_that_blocks_does_not_delay_replies_and_falls_out_of_the_backlog_instead_of_growing_memory()
    {
        using var engine = new TestEngine(new EngineOptions { ReplBacklogSize = EngineOptions.MinReplBacklogSize });
        var stream = Stream(engine);
        stream.TryOpenReader(stream.Offset, out var reader);
        using var blocked = new ManualResetEventSlim();
        using var readOnce = new ManualResetEventSlim();
        using (reader)
        {
            // The reader's consumer takes one read and then blocks its thread (in the read's continuation) until the test ends.
            var consumer = Task.Run(async () =>
            {
                var first = await reader!.ReadAsync(new byte[16]);
                readOnce.Set();
                blocked.Wait(Bound);
                return (first, reader.TryRead(new byte[16]));
            });
            await Set(engine.Executor, "first", "value");
            Assert.True(readOnce.Wait(Bound));

            // Commands go on completing, far past what the backlog holds; each is bounded.
            for (var i = 0; i < 2000; i++)
            {
                var reply = Set(engine.Executor, $"key:{i}", "value");
                Assert.True(await Task.WhenAny(reply, Task.Delay(Bound)) == reply, $"command {i} waited for the reader");
            }
            Assert.True(engine.Executor.CommittedOffset > 3L * EngineOptions.MinReplBacklogSize);
            Assert.Equal(engine.Executor.CommittedOffset - EngineOptions.MinReplBacklogSize, stream.BacklogStart);
            blocked.Set();
            var (firstRead, afterwards) = await consumer.WaitAsync(Bound);

            Assert.Equal((EffectReadStatus.Data, 0L), (firstRead.Status, firstRead.Offset));
            Assert.Equal(EffectReadStatus.NeedsFullSync, afterwards.Status);
            // Once lost, always lost: the bytes it missed are gone.
            Assert.Equal(EffectReadStatus.NeedsFullSync, reader!.TryRead(new byte[16]).Status);
        }
    }

    [Fact]
    public async Task A_reader_starts_from_any_offset_still_in_the_backlog_and_is_told_when_it_is_too_old_or_in_the_future()
    {
        using var engine = new TestEngine(new EngineOptions { ReplBacklogSize = EngineOptions.MinReplBacklogSize });
        var stream = WithBacklog(engine);
        await engine.Run("SET", "a", "1");
        var afterFirst = stream.Offset;
        await engine.Run("SET", "b", "2");

        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(afterFirst, out var middle));
        using (middle)
            Assert.Equal([$"{afterFirst}:SET b 2"], Decode(await ReadToAsync(middle!, stream.Offset), afterFirst));

        Assert.Equal(BacklogPosition.InFuture, stream.TryOpenReader(stream.Offset + 1, out var future));
        Assert.Null(future);

        // Write past the backlog: offset 0 is no longer held.
        for (var i = 0; i < 1000; i++)
            await engine.Run("SET", $"key:{i}", "value");
        Assert.Equal(BacklogPosition.TooOld, stream.TryOpenReader(0, out var old));
        Assert.Null(old);
        Assert.Equal(BacklogPosition.TooOld, stream.Locate(stream.BacklogStart - 1));
        Assert.Equal(BacklogPosition.Held, stream.Locate(stream.BacklogStart));
        Assert.Equal(0, stream.Readers);
    }

    [Fact]
    public async Task The_backlog_holds_at_most_its_size_and_a_reader_at_its_start_reads_exactly_that_much()
    {
        using var engine = new TestEngine(new EngineOptions { ReplBacklogSize = EngineOptions.MinReplBacklogSize });
        var stream = WithBacklog(engine);
        var value = new string('v', 5000);
        for (var i = 0; i < 20; i++)
            await engine.Run("SET", $"big:{i}", value);

        Assert.Equal(EngineOptions.MinReplBacklogSize, stream.BacklogCapacity);
        Assert.Equal(stream.Offset - EngineOptions.MinReplBacklogSize, stream.BacklogStart);
        stream.TryOpenReader(stream.BacklogStart, out var reader);
        using (reader)
        {
            var bytes = await ReadToAsync(reader!, stream.Offset);
            Assert.Equal(EngineOptions.MinReplBacklogSize, bytes.Length);
            // They are the last bytes of the whole stream, unchanged.
            var all = EffectBatch.Encode(engine.Log.Records, 0).Bytes.ToArray();
            Assert.Equal(all[^EngineOptions.MinReplBacklogSize..], bytes);
        }
    }

    [Fact]
    public async Task The_backlog_grows_with_what_it_holds_and_a_reader_from_its_first_byte_reads_all_of_it()
    {
        // 8 MiB of capacity, a ring that starts at 1 MiB: 4.5 MB of writes must all stay held, in order.
        using var engine = new TestEngine(new EngineOptions { ReplBacklogSize = 8 << 20 });
        var stream = WithBacklog(engine);
        var start = stream.Offset;
        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(start, out var reader));
        using (reader)
        {
            var value = new string('g', 30_000);
            for (var i = 0; i < 150; i++)
                await engine.Run("SET", $"grow:{i}", value);

            Assert.Equal(start, stream.BacklogStart);
            var bytes = await ReadToAsync(reader!, stream.Offset);
            Assert.True(bytes.Length > 3 << 20);
            Assert.Equal(EffectBatch.Encode(engine.Log.Records, 0).Bytes.ToArray()[^bytes.Length..], bytes);
        }
    }

    [Fact]
    public async Task Until_a_reader_asks_the_backlog_holds_nothing_and_without_a_log_nothing_is_encoded_yet_offsets_are_the_same_bytes()
    {
        using var logged = new TestEngine();
        using var unlogged = new Executor(new EngineOptions(), TimeProvider.System);
        foreach (var args in new[] { new[] { "SET", "a", "1" }, ["RPUSH", "l", "x", "y"], ["SET", "b", new string('v', 300)] })
        {
            await logged.Run(args);
            await unlogged.ExecuteAsync([.. args.Select(System.Text.Encoding.UTF8.GetBytes)]);
        }

        // The same records, the same offsets, whether or not anything was encoded.
        var encoded = EffectBatch.Encode(logged.Log.Records, 0).Bytes.Length;
        Assert.Equal(encoded, logged.Executor.CommittedOffset);
        Assert.Equal(encoded, unlogged.CommittedOffset);
        foreach (var stream in new[] { logged.Executor.Effects, unlogged.Effects })
        {
            Assert.False(stream.BacklogActive);
            Assert.Equal(stream.Offset, stream.BacklogStart);
            Assert.Equal(BacklogPosition.TooOld, stream.Locate(0));
        }

        // A first reader asks for the backlog: from the next batch on, it holds what is written.
        var unloggedStream = unlogged.Effects;
        Assert.Equal(BacklogPosition.Held, unloggedStream.TryOpenReader(unloggedStream.Offset, out var reader));
        using (reader)
        {
            var from = unloggedStream.Offset;
            await unlogged.ExecuteAsync("SET"u8.ToArray(), "c"u8.ToArray(), "3"u8.ToArray());
            Assert.True(unloggedStream.BacklogActive);
            Assert.Equal(from, unloggedStream.BacklogStart);
            Assert.Equal([$"{from}:SET c 3"], Decode(await ReadToAsync(reader!, unloggedStream.Offset), from));
        }
    }

    [Fact]
    public void A_backlog_size_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Executor(new EngineOptions { ReplBacklogSize = EngineOptions.MinReplBacklogSize - 1 }, TimeProvider.System));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Executor(new EngineOptions { ReplBacklogSize = EngineOptions.MaxReplBacklogSize + 1 }, TimeProvider.System));
    }

    [Fact]
    public async Task A_waiting_reader_wakes_for_the_next_write_and_is_told_when_the_engine_stops()
    {
        var engine = new TestEngine();
        var stream = Stream(engine);
        stream.TryOpenReader(stream.Offset, out var reader);
        using (reader)
        {
            var waiting = reader!.ReadAsync(new byte[1024]).AsTask();
            Assert.False(waiting.IsCompleted);
            await engine.Run("SET", "a", "1");
            var read = await waiting.WaitAsync(Bound);
            Assert.Equal((EffectReadStatus.Data, 0L, AofFormat.RecordSize(engine.Log.Records.Single())), (read.Status, read.Offset, read.Count));

            var next = reader.ReadAsync(new byte[1024]).AsTask();
            engine.Dispose();
            Assert.Equal(EffectReadStatus.Closed, (await next.WaitAsync(Bound)).Status);
        }
    }

    [Fact]
    public async Task Offsets_continue_across_a_restart_and_a_reader_starts_where_the_log_ended()
    {
        long before;
        using (var node = StartNode())
        {
            await Set(node.Executor, "a", "1");
            await Set(node.Executor, "b", "2");
            before = node.Executor.CommittedOffset;
        }

        using var restarted = StartNode();
        var stream = restarted.Executor.Effects;
        Assert.Equal(before, stream.Offset);
        // The backlog starts empty at the recovered offset: older offsets need a full sync.
        Assert.Equal(before, stream.BacklogStart);
        Assert.Equal(BacklogPosition.TooOld, stream.TryOpenReader(before - 1, out _));
        Assert.Equal(BacklogPosition.Held, stream.TryOpenReader(before, out var reader));
        using (reader)
        {
            await Set(restarted.Executor, "c", "3");
            Assert.Equal([$"{before}:SET c 3"], Decode(await ReadToAsync(reader!, stream.Offset), before));
        }
        // Byte for byte, the stream is the segment after its header.
        var segment = Directory.GetFiles(_directory, "log-*.aof").Single();
        Assert.Equal(stream.Offset, new FileInfo(segment).Length - AofFormat.HeaderSize);
    }

    private sealed class Node(Executor executor, AppendOnlyLog log) : IDisposable
    {
        public Executor Executor { get; } = executor;

        public void Dispose()
        {
            Executor.Dispose();
            log.Dispose();
        }
    }

    private Node StartNode()
    {
        var log = new AppendOnlyLog(LocalFileSystem.Instance, new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.Always }, _clock);
        var executor = new Executor(new EngineOptions(), _clock, [log]);
        executor.BeginLoading();
        log.Recover(executor);
        return new Node(executor, log);
    }
}
