using Lodestone.Engine.Execution;
using Microsoft.Extensions.Logging;

namespace Lodestone.Engine.Replication;

/// <summary>
/// A replica's work on its engine thread: records from the primary applied as the log's replay
/// applies them, and a full sync's data swapped in whole.
/// </summary>
/// <remarks>
/// Design note. A record is applied through the command table exactly as AOF replay applies it
/// (<see cref="CommandDispatcher.Replay"/>: no permissions, time frozen, the keys get the record's
/// version — so ETags are the primary's). What the replica then commits to its own stream is the
/// record itself, not whatever the handler would have logged: the replica's stream (its AOF, the
/// replicas it may feed) is byte for byte the primary's, at the same offsets. Nothing else writes on a
/// replica — callers are refused (READONLY), and it neither expires nor evicts on its own — so its
/// offset is the primary's offset it has reached.
/// </remarks>
internal static class ReplicaWork
{
    /// <summary>Applies records in order; stops at the first that fails (the data then differs from the primary's).</summary>
    internal sealed class Apply(IReadOnlyList<Effect> records)
        : TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private string? _failure;

        public bool Execute(Executor executor)
        {
            var dispatcher = executor.Dispatcher;
            var effects = executor.PendingEffects;
            dispatcher.NowMs = 0;
            for (var i = 0; i < records.Count; i++)
            {
                var first = effects.Count;
                var reply = dispatcher.Replay(records[i]);
                effects.RemoveRange(first, effects.Count - first);
                if (reply.IsError)
                {
                    _failure = $"a record ({System.Text.Encoding.UTF8.GetString(records[i].Args[0])}) does not apply: {reply.AsError().Message}";
                    break;
                }
                effects.Add(records[i]);
            }
            executor.ReadClock();
            return true;
        }

        public void Complete() => TrySetResult(_failure);

        public void Fail(EngineError error) => TrySetResult(error.Message);
    }

    /// <summary>
    /// Swaps a full sync's data in, in one O(1) step between batches: <paramref name="loaded"/> (decoded
    /// aside) replaces every key, the stream continues from the snapshot's offset, and
    /// <paramref name="installed"/> runs (the log's rebase) before any later command.
    /// </summary>
    internal sealed class Install(Keyspace.Keyspace loaded, IReadOnlyList<byte[]> streams, IReadOnlyList<byte[]> libraries, long lastVersion, long offset, Action? installed)
        : TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously), IEngineWork
    {
        private string? _failure;

        public bool Execute(Executor executor)
        {
            // A local snapshot walking the old data would then publish it over the new files: not now.
            if (executor.IsSnapshotting)
            {
                _failure = "a snapshot is being taken; the sync is installed once it is done";
                return true;
            }
            var keyspace = executor.Data;
            var effects = executor.PendingEffects;
            if (effects.Count > 0)
            {
                _failure = "writes are pending in this batch";
                return true;
            }
            keyspace.TakeContentsOf(loaded, streams);
            keyspace.ContinueVersionsAbove(lastVersion);
            // The primary's function libraries replace this node's, as a restart loads them from a snapshot.
            executor.Dispatcher.Replay(new Effect([FunctionWord, FlushWord], 0));
            foreach (var code in libraries)
            {
                if (executor.Dispatcher.Replay(new Effect([FunctionWord, LoadWord, ReplaceWord, code], 0)) is { IsError: true } failed)
                    executor.Logger.LogError("A function library of the primary's snapshot does not load here: {Error}", failed.AsError().Message);
            }
            effects.Clear();
            // New data, even at the same offset: readers of the old stream (this node's own replicas)
            // must not read on into the new one, so the stream restarts and they are sent away to resync.
            executor.Effects.Restart(offset);
            executor.Replication.DetachReplicas();
            installed?.Invoke();
            executor.ReadClock();
            return true;
        }

        public void Complete() => TrySetResult(_failure);

        private static readonly byte[] FunctionWord = "FUNCTION"u8.ToArray();
        private static readonly byte[] FlushWord = "FLUSH"u8.ToArray();
        private static readonly byte[] LoadWord = "LOAD"u8.ToArray();
        private static readonly byte[] ReplaceWord = "REPLACE"u8.ToArray();

        public void Fail(EngineError error) => TrySetResult(error.Message);
    }
}
