using System.Buffers.Binary;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lodestone.Engine;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence;

namespace Lodestone.Api.Tests;

/// <summary>
/// The service as its own process, next to data files it must not trust as they are: it stops with exit
/// code 4 and a message that says what is wrong and what to do, and leaves the files as they were.
/// </summary>
public sealed class StartupRefusalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lodestone-refusal-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private string Segment => Path.Combine(_directory, "log-00000000000000000000.aof");

    /// <summary>Writes data the way the service does, with the engine in this process.</summary>
    private async Task WithEngineAsync(Func<Executor, AppendOnlyLog, Task> work)
    {
        var log = new AppendOnlyLog(LocalFileSystem.Instance, new PersistenceOptions { DataDirectory = _directory, AppendFsync = AppendFsync.No, Save = "" }, TimeProvider.System);
        var executor = new Executor(new EngineOptions(), TimeProvider.System, [log]);
        try
        {
            executor.BeginLoading();
            log.Recover(executor);
            await work(executor, log);
        }
        finally
        {
            executor.Dispose();
            log.Dispose();
        }
    }

    private static Task<Reply> Run(Executor executor, params string[] args) => executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());

    [Fact]
    public async Task A_log_corrupt_in_the_middle_stops_the_service_with_exit_code_4_and_is_left_as_it_was()
    {
        await WithEngineAsync(async (executor, _) =>
        {
            for (var i = 0; i < 200; i++)
                await Run(executor, "SET", $"key:{i}", $"value:{i}");
        });
        var bytes = File.ReadAllBytes(Segment);
        var record = 24;
        for (var i = 0; i < 100; i++)
            record += 8 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(record));
        // Record 100's length now reaches past the end of the file, as a torn last record's would.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(record), (uint)bytes.Length);
        File.WriteAllBytes(Segment, bytes);

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(_directory);

        Assert.True(exitCode == 4, $"Exit code {exitCode}; output:\n{output}");
        Assert.Contains($"at byte {record} (record 100 of the segment, offset {record - 24})", output, StringComparison.Ordinal);
        Assert.Contains("not a torn tail", output, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(Segment));
    }

    [Fact]
    public async Task A_snapshot_without_its_manifest_stops_the_service_naming_it_and_restore_snapshot_starts_from_it()
    {
        await WithEngineAsync(async (executor, log) =>
        {
            await Run(executor, "SET", "kept", "in the snapshot");
            await log.Compactor.SnapshotAsync(executor);
        });
        File.Delete(Path.Combine(_directory, "manifest.json"));
        foreach (var segment in Directory.GetFiles(_directory, "log-*.aof"))
            File.Delete(segment);
        var snapshot = Path.GetFileName(Directory.GetFiles(_directory, "*.snap").Single());

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(_directory);

        Assert.True(exitCode == 4, $"Exit code {exitCode}; output:\n{output}");
        Assert.Contains($"restore-snapshot {_directory} {snapshot}", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "manifest.json")), "The refused start left a manifest: the next start would come up empty.");

        var (restored, restoreOutput) = await ServiceProcess.RunAsync("restore-snapshot", _directory, snapshot);
        Assert.True(restored == 0, restoreOutput);

        using var service = await ServiceProcess.StartAsync(_directory);
        var reply = await (await service.Client.PostAsJsonAsync("/commands", new[] { "GET", "kept" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("in the snapshot", reply.GetProperty("result").GetString());
    }
}
