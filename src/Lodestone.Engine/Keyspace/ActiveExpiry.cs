using System.Diagnostics;

namespace Lodestone.Engine.Keyspace;

/// <summary>
/// Redis's active expiry cycle (expire.c, "slow" cycle).
/// </summary>
/// <remarks>
/// Design note. Lazy expiry alone would keep keys that are never read again in memory forever, so
/// on every engine tick we sample keys that have a TTL and delete the expired ones. Each round
/// samples <see cref="KeysPerRound"/> keys; if more than <see cref="AcceptableStalePercent"/>% of a
/// sample had expired, the keyspace probably holds many more, so we go again — until the sample
/// looks clean or the time budget (a share of the tick) is spent. The budget bounds the latency the
/// cycle adds to commands queued behind it.
/// </remarks>
internal static class ActiveExpiry
{
    public const int KeysPerRound = 20;
    public const int AcceptableStalePercent = 10;

    /// <summary>Runs one cycle over keys, then one over hash fields, in one budget; returns how many keys it deleted.</summary>
    public static int RunCycle(Keyspace keyspace, in KeyAccess access, TimeSpan budget)
    {
        var started = Stopwatch.GetTimestamp();
        var deleted = RunKeyCycle(keyspace, access, started, budget);
        RunFieldCycle(keyspace, access, started, budget);
        return deleted;
    }

    private static int RunKeyCycle(Keyspace keyspace, in KeyAccess access, long started, TimeSpan budget)
    {
        var deleted = 0;
        var rounds = 0;
        while (true)
        {
            var sampleSize = Math.Min(KeysPerRound, keyspace.ExpiresCount);
            if (sampleSize == 0)
                return deleted;

            var expiredInSample = 0;
            for (var i = 0; i < sampleSize; i++)
            {
                var entry = keyspace.RandomEntryWithExpiry();
                if (entry is not null && access.IsExpired(entry))
                {
                    keyspace.Expire(entry);
                    expiredInSample++;
                }
            }
            deleted += expiredInSample;

            if (expiredInSample * 100 <= sampleSize * AcceptableStalePercent)
                return deleted;
            // Checking the clock is not free; do it every few rounds, as Redis does.
            if (++rounds % 16 == 0 && Stopwatch.GetElapsedTime(started) > budget)
                return deleted;
        }
    }

    /// <summary>
    /// The same for hash fields (Redis 7.4's field expiry): samples hashes with field TTLs and removes
    /// their due fields, again while more than <see cref="AcceptableStalePercent"/>% of a sample had some.
    /// </summary>
    private static void RunFieldCycle(Keyspace keyspace, in KeyAccess access, long started, TimeSpan budget)
    {
        var rounds = 0;
        while (true)
        {
            var sampleSize = Math.Min(KeysPerRound, keyspace.FieldExpiriesCount);
            if (sampleSize == 0)
                return;
            var stale = 0;
            for (var i = 0; i < sampleSize; i++)
            {
                if (keyspace.RandomEntryWithFieldExpiry() is not { Value: Types.HashValue hash } entry || hash.NextExpiry >= access.NowMs)
                    continue;
                keyspace.ExpireFields(entry, access);
                stale++;
            }
            if (stale * 100 <= sampleSize * AcceptableStalePercent)
                return;
            if (++rounds % 16 == 0 && Stopwatch.GetElapsedTime(started) > budget)
                return;
        }
    }
}
