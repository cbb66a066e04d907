using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Random arrivals on the fake clock, applied to the engine and to a reference model, asserting every
/// reply field, every admission and the stored key. Seeded, so a failure repeats.
/// </summary>
/// <remarks>
/// The engine keeps GCRA as a virtual schedule (one theoretical arrival time); the model is GCRA's
/// other, equivalent form — a leaky bucket holding a level of work that drains one nanosecond per
/// nanosecond — so the two share no arithmetic beyond the definitions of T and τ.
/// </remarks>
public sealed partial class RateLimitCommandsTests
{
    /// <summary>GCRA as a continuous-state leaky bucket; all times in nanoseconds.</summary>
    private sealed class LeakyBucket(long emission, long tolerance)
    {
        private long _level;
        private long _lastAdmitted;
        private bool _everAdmitted;

        /// <summary>When the bucket runs empty: the value the engine must have stored.</summary>
        public long? EmptyAt => _everAdmitted ? _lastAdmitted + _level : null;

        /// <summary>(limited, remaining, retry after or null for never/admitted, reset after).</summary>
        public (bool Limited, long Remaining, long? RetryAfter, long ResetAfter) Offer(long now, long quantity)
        {
            var level = _everAdmitted ? Math.Max(0, _level - (now - _lastAdmitted)) : 0;
            var work = emission * quantity;
            if (level + work > tolerance)
            {
                long? retry = work <= tolerance ? level + work - tolerance : null;
                return (true, Math.Max(0, (tolerance - level) / emission), retry, level);
            }
            if (quantity > 0)
            {
                _level = level + work;
                _lastAdmitted = now;
                _everAdmitted = true;
            }
            return (false, (tolerance - level - work) / emission, null, level + work);
        }
    }

    private static long Ceiling(long nanos, long unit) => (nanos + unit - 1) / unit;

    [Theory]
    [InlineData("CL.THROTTLEMS", 1)]
    [InlineData("CL.THROTTLEMS", 2)]
    [InlineData("CL.THROTTLEMS", 3)]
    [InlineData("CL.THROTTLE", 4)]
    [InlineData("CL.THROTTLE", 5)]
    public async Task Random_arrivals_agree_with_a_leaky_bucket_model(string command, int seed)
    {
        var random = new Random(seed);
        var unit = command == "CL.THROTTLE" ? 1_000_000_000L : NanosPerMs;
        var maxBurst = random.Next(0, 12);
        var count = random.Next(1, 25);
        var period = unit == NanosPerMs ? random.Next(1, 5000) : random.Next(1, 8);
        var emission = period * unit / count;
        var tolerance = emission * (maxBurst + 1);
        var model = new LeakyBucket(emission, tolerance);
        var admitted = 0;
        var admittedByModel = 0;

        for (var step = 0; step < 3000; step++)
        {
            // Bursts (no time passes), arrivals about one interval apart, and pauses that drain the bucket.
            var pauseMs = random.Next(4) switch
            {
                0 => 0,
                1 => random.NextInt64(0, emission / NanosPerMs * 2 + 2),
                2 => random.NextInt64(0, tolerance / NanosPerMs * 2 + 2),
                _ => random.Next(0, 3),
            };
            _engine.Advance(TimeSpan.FromMilliseconds(pauseMs));
            var quantity = random.Next(10) switch
            {
                0 => 0,
                1 => random.Next(2, maxBurst + 4),
                _ => 1,
            };
            var now = _engine.NowMs * NanosPerMs;

            var reply = await _engine.Run(command, "k", $"{maxBurst}", $"{count}", $"{period}", $"{quantity}");

            var (limited, remaining, retryAfter, resetAfter) = model.Offer(now, quantity);
            long[] expected = [limited ? 1 : 0, maxBurst + 1, remaining, retryAfter is { } r ? Ceiling(r, unit) : -1, Ceiling(resetAfter, unit)];
            var actual = Integers(reply);
            Assert.True(expected.SequenceEqual(actual),
                $"Step {step} (seed {seed}): {command} k {maxBurst} {count} {period} {quantity} at +{_engine.NowMs - Now} ms: expected [{string.Join(", ", expected)}], got {reply}");
            if (actual[0] == 0 && quantity > 0)
                admitted++;
            if (!limited && quantity > 0)
                admittedByModel++;

            var stored = await _engine.Run("GET", "k");
            if (model.EmptyAt is { } emptyAt && emptyAt / NanosPerMs >= _engine.NowMs)
                ReplyAssert.Bulk(stored, $"{emptyAt}");
            else
                ReplyAssert.Null(stored);
        }
        Assert.Equal(admittedByModel, admitted);
        Assert.InRange(admitted, 1, 2999);
    }
}
