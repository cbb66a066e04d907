using Lodestone.Engine.Execution;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>HyperLogLogs: PFADD, PFCOUNT, PFMERGE and their debugging commands (Redis 7.0's hyperloglog.c).</summary>
/// <remarks>
/// Design note. A HyperLogLog is a plain string in Redis's exact bytes (<see cref="HyperLogLog"/>), so
/// GET, SET, DUMP-like copies, snapshots and the AOF carry it unchanged, and Redis's bytes SET here are
/// a valid HLL. A change is made on a private working copy and stored only once the command has
/// succeeded, so a command refused half-way (a corrupted sparse HLL) leaves the key as it was — Redis
/// keeps the registers it had already raised. The exception is the hot path, PFADD to a dense HLL,
/// which cannot fail and raises registers in place.
/// PFCOUNT of one key caches the cardinality in the key's header, as Redis does: the bytes change
/// although the command is read-only, so it logs itself (Redis propagates it too) and replaying it
/// writes the same cache.
/// </remarks>
internal static class HyperLogLogCommands
{
    private const string Group = "hyperloglog";

    /// <summary>PFADD key [element [element ...]]</summary>
    /// <remarks>
    /// O(1) per element. Creates an empty sparse HLL when the key is missing (1 even without
    /// elements); 1 when a register changed, else 0. A sparse HLL becomes dense when a register
    /// needs a value over 32 or it would outgrow hll-sparse-max-bytes.
    /// </remarks>
    [Command("PFADD", -2, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Fast, FirstKey = 1, LastKey = 1,
        Syntax = "PFADD key [element [element ...]]", Summary = "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
        Complexity = "O(1) to add every element.", Group = Group, Since = "2.8.9")]
    public static Reply PfAdd(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (Check(entry) is { } refused)
            return refused;
        var sparseMaxBytes = ctx.Settings.HllSparseMaxBytes;
        if (entry is not null && HyperLogLog.IsDenseValue(((StringValue)entry.Value).Span))
            return AddToDense(ctx, entry);

        var hll = entry is null ? HyperLogLog.Empty() : HyperLogLog.Of(((StringValue)entry.Value).Span);
        var updated = entry is null ? 1 : 0;
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            switch (hll.Add(ctx.Arg(i), sparseMaxBytes))
            {
                case 1:
                    updated++;
                    break;
                case -1:
                    return Errors.CorruptedHyperLogLog;
            }
        }
        if (updated == 0)
            return Reply.Zero;
        hll.InvalidateCache();
        Store(ctx, ctx.Args[1], entry, hll);
        ctx.MarkDirty(updated);
        return Reply.One;
    }

    /// <summary>PFADD to a dense HLL: registers raised in place, the string unshared only when one changes.</summary>
    private static Reply AddToDense(CommandContext ctx, Entry entry)
    {
        var value = (StringValue)entry.Value;
        var writable = Span<byte>.Empty;
        var updated = 0;
        for (var i = 2; i < ctx.ArgCount; i++)
        {
            var count = HyperLogLog.PatternLength(ctx.Arg(i), out var index);
            if (count <= HyperLogLog.DenseRead(value.Span[HyperLogLog.HeaderSize..], index))
                continue;
            if (writable.IsEmpty)
                writable = value.Writable(value.Length);
            HyperLogLog.DenseSet(writable[HyperLogLog.HeaderSize..], index, count);
            updated++;
        }
        if (updated == 0)
            return Reply.Zero;
        HyperLogLog.MarkCacheStale(writable);
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty(updated);
        return Reply.One;
    }

    /// <summary>PFCOUNT key [key ...]</summary>
    /// <remarks>
    /// O(1) with a cached cardinality, else O(N) in the registers. One key: its cached cardinality,
    /// or a fresh count that is then cached in the key (logged as this command, so a replay caches
    /// the same). Several keys: the cardinality of their union, counted on a temporary copy; no key
    /// changes. Missing keys count as empty HLLs.
    /// </remarks>
    [Command("PFCOUNT", -2, Flags = CommandFlags.ReadOnly, FirstKey = 1, LastKey = -1,
        Syntax = "PFCOUNT key [key ...]", Summary = "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
        Complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
        Group = Group, Since = "2.8.9")]
    public static Reply PfCount(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            var max = new byte[HyperLogLog.RegisterCount];
            for (var i = 1; i < ctx.ArgCount; i++)
            {
                if (MergeInto(max, ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access)) is { } refused)
                    return refused;
            }
            return Reply.Integer(HyperLogLog.CountRegisters(max));
        }

        var entry = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        if (entry is null)
            return Reply.Zero;
        if (Check(entry) is { } invalid)
            return invalid;
        var value = (StringValue)entry.Value;
        if (HyperLogLog.CachedCardinality(value.Span) is { } cached)
            return Reply.Integer(cached);
        if (HyperLogLog.Count(value.Span) is not { } count)
            return Errors.CorruptedHyperLogLog;

        // The cache changes the value: a running snapshot must save the key before it does.
        ctx.Keyspace.Peek(ctx.Arg(1), ctx.Access.For(write: true, countsReads: false));
        value = (StringValue)entry.Value;
        HyperLogLog.WriteCachedCardinality(value.Writable(value.Length), count);
        ctx.Keyspace.Touch(entry);
        ctx.MarkDirty();
        ctx.Propagate(ctx.Args);
        return Reply.Integer(count);
    }

    /// <summary>PFMERGE destkey [sourcekey [sourcekey ...]]</summary>
    /// <remarks>
    /// O(N) in the keys. The destination's registers become the maximum of its own and the
    /// sources'. As in Redis 7.0, the destination is dense when any of them (itself included) is
    /// dense; otherwise it stays sparse and the merged registers are set one by one (so it becomes
    /// dense as PFADD would). A missing destination is created, even with no sources.
    /// </remarks>
    [Command("PFMERGE", -2, Flags = CommandFlags.Write | CommandFlags.DenyOom, FirstKey = 1, LastKey = -1,
        Syntax = "PFMERGE destkey [sourcekey [sourcekey ...]]", Summary = "Merges one or more HyperLogLog values into a single key.",
        Complexity = "O(N) to merge N HyperLogLogs, but with high constant times.", Group = Group, Since = "2.8.9")]
    public static Reply PfMerge(CommandContext ctx)
    {
        var max = new byte[HyperLogLog.RegisterCount];
        var useDense = false;
        for (var i = 1; i < ctx.ArgCount; i++)
        {
            var source = ctx.Keyspace.Lookup(ctx.Arg(i), ctx.Access);
            if (MergeInto(max, source) is { } refused)
                return refused;
            useDense |= source is not null && HyperLogLog.IsDenseValue(((StringValue)source.Value).Span);
        }

        var destination = ctx.Keyspace.Lookup(ctx.Arg(1), ctx.Access);
        var hll = destination is null ? HyperLogLog.Empty() : HyperLogLog.Of(((StringValue)destination.Value).Span);
        if (useDense && !hll.ToDense())
            return Errors.CorruptedHyperLogLog;
        var sparseMaxBytes = ctx.Settings.HllSparseMaxBytes;
        for (var j = 0; j < max.Length; j++)
        {
            if (max[j] != 0)
                hll.Set(j, max[j], sparseMaxBytes);
        }
        hll.InvalidateCache();
        Store(ctx, ctx.Args[1], destination, hll);
        ctx.MarkDirty();
        return Reply.Ok;
    }

    /// <summary>PFDEBUG subcommand key</summary>
    /// <remarks>
    /// O(N). GETREG: the 16384 registers (a sparse HLL is made dense first, and that change is
    /// logged); DECODE: a sparse HLL's opcodes; ENCODING: dense or sparse; TODENSE: makes it dense,
    /// 1 if it was sparse.
    /// </remarks>
    [Command("PFDEBUG", 3, Flags = CommandFlags.Write | CommandFlags.DenyOom | CommandFlags.Admin | CommandFlags.Dangerous, FirstKey = 2, LastKey = 2,
        Syntax = "PFDEBUG subcommand key", Summary = "Internal commands for debugging HyperLogLog values.",
        Complexity = "N/A", Group = Group, Since = "2.8.9")]
    public static Reply PfDebug(CommandContext ctx)
    {
        var entry = ctx.Keyspace.Lookup(ctx.Arg(2), ctx.Access);
        if (entry is null)
            return Errors.PfDebugNoSuchKey;
        if (Check(entry) is { } refused)
            return refused;
        var bytes = ((StringValue)entry.Value).Span;
        if (ctx.ArgIs(1, "GETREG"))
        {
            if (ctx.CheckReplySize(HyperLogLog.RegisterCount) is { } tooLarge)
                return tooLarge;
            if (!HyperLogLog.IsDenseValue(bytes))
            {
                if (ToDense(ctx, entry) is { } corrupted)
                    return corrupted;
                bytes = ((StringValue)entry.Value).Span;
            }
            var registers = new Reply[HyperLogLog.RegisterCount];
            for (var i = 0; i < registers.Length; i++)
                registers[i] = Reply.Integer(HyperLogLog.DenseRead(bytes[HyperLogLog.HeaderSize..], i));
            return Reply.Array(registers);
        }
        if (ctx.ArgIs(1, "DECODE"))
            return HyperLogLog.IsDenseValue(bytes) ? Errors.HllNotSparse : Reply.Bulk(HyperLogLog.Decode(bytes));
        if (ctx.ArgIs(1, "ENCODING"))
            return Reply.Simple(HyperLogLog.IsDenseValue(bytes) ? "dense" : "sparse");
        if (ctx.ArgIs(1, "TODENSE"))
        {
            if (HyperLogLog.IsDenseValue(bytes))
                return Reply.Zero;
            return ToDense(ctx, entry) ?? Reply.One;
        }
        return Errors.UnknownPfDebugSubcommand(ctx.ArgText(1));
    }

    /// <summary>PFSELFTEST</summary>
    /// <remarks>
    /// Checks the dense register packing (random values written and read back) and that sparse and
    /// dense HLLs fed the same elements agree, within the expected error, at cardinalities 1, 10, …
    /// Differs from Redis: 100 packing rounds and up to 100,000 elements instead of 1,000 and
    /// 10,000,000, so that it does not hold the engine thread for seconds.
    /// </remarks>
    [Command("PFSELFTEST", 1, Flags = CommandFlags.Admin | CommandFlags.Dangerous,
        Syntax = "PFSELFTEST", Summary = "An internal command for testing HyperLogLog values.",
        Complexity = "N/A", Group = Group, Since = "2.8.9")]
    public static Reply PfSelfTest(CommandContext ctx)
    {
        var registers = new byte[HyperLogLog.DenseSize - HyperLogLog.HeaderSize];
        var expected = new byte[HyperLogLog.RegisterCount];
        for (var round = 0; round < 100; round++)
        {
            registers.AsSpan().Clear();
            for (var i = 0; i < expected.Length; i++)
            {
                expected[i] = (byte)ctx.Random.Next(64);
                HyperLogLog.DenseSet(registers, i, expected[i]);
            }
            for (var i = 0; i < expected.Length; i++)
            {
                if (HyperLogLog.DenseRead(registers, i) != expected[i])
                    return Errors.HllSelfTestFailed($"Register {i} should be {expected[i]} but is {HyperLogLog.DenseRead(registers, i)}");
            }
        }

        var dense = HyperLogLog.Empty();
        dense.ToDense();
        var sparse = HyperLogLog.Empty();
        var sparseMaxBytes = ctx.Settings.HllSparseMaxBytes;
        var relativeError = 1.04 / Math.Sqrt(HyperLogLog.RegisterCount);
        var seed = (ulong)ctx.Random.NextInt64();
        Span<byte> element = stackalloc byte[8];
        long checkpoint = 1;
        for (long j = 1; j <= 100_000; j++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(element, (ulong)j ^ seed);
            dense.Add(element, sparseMaxBytes);
            sparse.Add(element, sparseMaxBytes);
            if (j != checkpoint)
                continue;
            if (j < sparseMaxBytes / 2 && sparse.IsDense)
                return Errors.HllSelfTestFailed("sparse encoding not used");
            var count = HyperLogLog.Count(dense.Span) ?? -1;
            if (count != HyperLogLog.Count(sparse.Span))
                return Errors.HllSelfTestFailed("dense/sparse disagree");
            var maxError = j == 10 ? 1 : (long)Math.Ceiling(relativeError * 6 * checkpoint);
            if (Math.Abs(checkpoint - count) > maxError)
                return Errors.HllSelfTestFailed($"Too big error. card:{checkpoint} abserr:{Math.Abs(checkpoint - count)}");
            checkpoint *= 10;
        }
        return Reply.Ok;
    }

    /// <summary>Redis's isHLLObjectOrReply for a key that exists: a string holding a valid HLL header.</summary>
    private static EngineError? Check(Entry? entry)
    {
        if (entry is null)
            return null;
        if (entry.Value is not StringValue value)
            return Errors.WrongType;
        return HyperLogLog.IsValid(value.Span) ? null : Errors.NotHyperLogLog;
    }

    /// <summary>Raises <paramref name="max"/> to the registers of the HLL at <paramref name="entry"/> (none when it is missing).</summary>
    private static EngineError? MergeInto(byte[] max, Entry? entry)
    {
        if (entry is null)
            return null;
        if (Check(entry) is { } refused)
            return refused;
        return HyperLogLog.Merge(max, ((StringValue)entry.Value).Span) ? null : Errors.CorruptedHyperLogLog;
    }

    /// <summary>Makes the sparse HLL at <paramref name="entry"/> dense (PFDEBUG GETREG and TODENSE), a logged change.</summary>
    private static EngineError? ToDense(CommandContext ctx, Entry entry)
    {
        var hll = HyperLogLog.Of(((StringValue)entry.Value).Span);
        if (!hll.ToDense())
            return Errors.CorruptedHyperLogLog;
        Store(ctx, entry.Key, entry, hll);
        ctx.MarkDirty();
        return null;
    }

    /// <summary>Stores the working copy under <paramref name="key"/>: a new key when <paramref name="entry"/> is null, else the same key with its TTL kept.</summary>
    private static void Store(CommandContext ctx, byte[] key, Entry? entry, HyperLogLog hll)
    {
        var bytes = hll.ToArray();
        if (entry is null)
            ctx.Keyspace.Add(key, RedisType.String, StringValue.Wrap(bytes), ctx.Access);
        else
            ctx.Keyspace.Overwrite(key, RedisType.String, StringValue.Rewrite(entry.Value, bytes), ctx.Access, keepTtl: true);
    }
}
