namespace Lodestone.Api.Contracts;

/// <summary>The state of snapshots and the log (GET /admin/snapshots).</summary>
/// <param name="Enabled">False when Persistence:AppendOnly is off: data lives in memory only.</param>
/// <param name="InProgress">A snapshot is being taken.</param>
/// <param name="LastSaveTime">When the live snapshot became durable (ISO 8601; after a restart, its file time), or null if there is none.</param>
/// <param name="LastSaveOffset">The log offset it was taken at.</param>
/// <param name="LastDurationMs">How long it took, start to durable (null after a restart: not recorded in the file).</param>
/// <param name="LastSizeBytes">Its file size.</param>
/// <param name="LastError">Why the last attempt failed, or null.</param>
/// <param name="LogBytes">Size of the log segment written since the last snapshot.</param>
/// <param name="Offset">The log offset now.</param>
/// <param name="LogRecords">Records written to the log by this process, every segment counted (a snapshot does not reset it).</param>
/// <param name="LogFsyncs">fsyncs of the log by this process (records ÷ fsyncs = writes per fsync, the group-commit factor).</param>
public sealed record SnapshotState(
    bool Enabled, bool InProgress, DateTimeOffset? LastSaveTime, long? LastSaveOffset, double? LastDurationMs,
    long? LastSizeBytes, string? LastError, long LogBytes, long Offset, long LogRecords, long LogFsyncs);
