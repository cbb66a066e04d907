using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The database: binary keys to entries, with expiry and per-key versions.
/// </summary>
/// <remarks>
/// Concurrency: only the engine thread touches a keyspace (the executor enforces it); nothing here
/// locks. How a command uses the keyspace — its time snapshot (one per command, once for a whole
/// atomic batch, as Redis's command time snapshot), whether it writes, whether its lookups count as
/// hits — is a <see cref="KeyAccess"/> value it passes to each operation that needs it. What happens
/// (expired, evicted, ready, about to change) is reported to one <see cref="IKeyspaceObserver"/>.
/// Expiry is lazy — <see cref="Lookup"/> deletes a key found past its time — plus an active cycle
/// (<see cref="ActiveExpiry"/>) that samples <see cref="RandomEntryWithExpiry"/>. A key expires when
/// the time is strictly after its expiry instant, as in Redis.
/// </remarks>
internal sealed class Keyspace
{
    // Not readonly: a full sync's keyspace, loaded aside, is taken over whole (TakeContentsOf).
    private KeyTable _table = new();
    // The last PeekAhead: the argument array and the entry it found, until that entry leaves the table.
    private byte[]? _aheadKey;
    private Entry? _aheadEntry;
    private List<Entry> _withExpiry = [];
    // Entries of a bulk load not yet placed in the table (AddBulkLoaded).
    private List<Entry>? _bulkLoaded;
    private List<Entry> _withFieldExpiry = [];
    private List<Entry> _sizePending = [];
    private readonly Random _random;
    private readonly IKeyspaceObserver _observer;
    private long _lastVersion;
    // The running command's version: 0 until it first writes, then the one it took (or the one its
    // replayed record gave); -1 between commands, where every write takes a new one.
    private long _commandVersion = -1;
    private long _entryBytes;

    /// <param name="random">Source of randomness for sampling.</param>
    /// <param name="firstVersion">Versions start above this. Seeding it from the clock keeps ETags
    /// from repeating across restarts of a store without a log; loading raises it above every
    /// version the files hold (<see cref="ContinueVersionsAbove"/>).</param>
    /// <param name="observer">Told of what happens to keys; none by default.</param>
    public Keyspace(Random random, long firstVersion, IKeyspaceObserver? observer = null)
    {
        _random = random;
        _lastVersion = firstVersion;
        _observer = observer ?? NoKeyspaceObserver.Instance;
    }

    /// <summary>
    /// The last version handed out: every key's version is at most this, and the next write gets a
    /// larger one. Versions only grow, so a version never repeats for a key (ETags, If-Match).
    /// </summary>
    public long LastVersion => _lastVersion;

    /// <summary>
    /// Starts a command: all it writes gets one version — <paramref name="given"/> (a replayed
    /// record's, which the counter then never hands out again), or with 0 the next one, taken when it
    /// first writes. One version per command, however many keys or times it writes, is what lets a
    /// record carry it (see <see cref="Execution.Effect"/>).
    /// </summary>
    public void BeginCommand(long given)
    {
        _commandVersion = given;
        if (given > _lastVersion)
            _lastVersion = given;
    }

    /// <summary>Ends the command; returns the version its writes got, or 0 if it wrote nothing and was given none.</summary>
    public long EndCommand()
    {
        var version = _commandVersion;
        _commandVersion = -1;
        return version;
    }

    /// <summary>Versions handed out from now on are above <paramref name="version"/> (loading: a snapshot's counter, a margin).</summary>
    public void ContinueVersionsAbove(long version)
    {
        if (version > _lastVersion)
            _lastVersion = version;
    }

    /// <summary>The engine's source of randomness (engine thread only).</summary>
    public Random Random => _random;

    public int Count => _table.Count;

    public int ExpiresCount => _withExpiry.Count;

    /// <summary>Hashes with at least one field TTL (what the active cycle samples for fields).</summary>
    public int FieldExpiriesCount => _withFieldExpiry.Count;

    /// <summary>
    /// The estimated bytes the data takes (Redis's <c>used_memory</c>): <see cref="MemoryModel.BaseBytes"/>,
    /// the tables, and every entry's key, value and TTL. O(entries written since the last call).
    /// </summary>
    /// <remarks>
    /// How it stays incremental: every entry a write may change — added, looked up by a write command,
    /// given or stripped of a TTL, touched — is queued once; this recounts only those (each value
    /// reports its size in O(1)), and removal subtracts an entry's last count at once.
    /// </remarks>
    public long UsedBytes
    {
        get
        {
            SettleSizes();
            return MemoryModel.BaseBytes + _table.OverheadBytes + MemoryModel.RefArray(_withExpiry.Capacity) + _entryBytes;
        }
    }

    /// <summary>Tells blocked callers that <paramref name="key"/> may serve them now (<see cref="IKeyspaceObserver.Ready"/>).</summary>
    public void SignalReady(byte[] key) => _observer.Ready(key);

    /// <summary>
    /// The epoch of the snapshot being taken, or 0. While it is set, every entry that existed when the
    /// snapshot began and has not been saved yet (SavedEpoch below it) is handed to
    /// <see cref="IKeyspaceObserver.BeforeChange"/> before anything can change or remove it; entries created since are
    /// not part of the snapshot.
    /// </summary>
    public int SnapshotEpoch { get; set; }

    /// <summary>Lookups made with <see cref="KeyAccess.CountsReads"/> that found a live key, since the engine started.</summary>
    public long Hits { get; private set; }

    /// <summary>Lookups made with <see cref="KeyAccess.CountsReads"/> that found none (or an expired one).</summary>
    public long Misses { get; private set; }

    /// <summary>
    /// The live entry for <paramref name="key"/>, deleting it first if it has expired. Counts as an
    /// access (LRU clock, LFU counter, hot keys).
    /// </summary>
    public Entry? Lookup(ReadOnlySpan<byte> key, in KeyAccess access)
    {
        var entry = Peek(key, access);
        if (entry is not null)
            RecordAccess(entry, access);
        return entry;
    }

    /// <summary>
    /// <see cref="Lookup"/> without counting an access (Redis's LOOKUP_NOTOUCH): for the executor's own
    /// checks and for commands that inspect a key's metadata (OBJECT).
    /// </summary>
    public Entry? Peek(ReadOnlySpan<byte> key, in KeyAccess access)
    {
        var entry = Find(key);
        if (entry is null)
        {
            if (access.CountsReads)
            {
                Misses++;
                _observer.Missed(key);
            }
            return null;
        }
        if (access.IsExpired(entry) || (entry.FieldExpirySlot >= 0 && !ExpireFields(entry, access)))
        {
            if (entry.AccountedBytes >= 0)
                Expire(entry);
            if (access.CountsReads)
            {
                Misses++;
                _observer.Missed(key);
            }
            return null;
        }
        // A replica keeps a hash's expired fields until its primary's HDEL comes (it never expires on its
        // own), but a read sees the hash without them, as it sees no key whose time has passed.
        if (HidesExpired && !access.Write && entry.Value is HashValue { HasFieldExpiries: true } hash && hash.NextExpiry < access.NowMs)
        {
            entry = WithoutExpiredFields(entry, hash, access.NowMs);
            if (entry is null)
            {
                if (access.CountsReads)
                {
                    Misses++;
                    _observer.Missed(key);
                }
                return null;
            }
        }
        if (access.CountsReads)
            Hits++;
        if (access.Write)
        {
            SaveBeforeChange(entry);
            MarkSizePending(entry);
        }
        return entry;
    }

    /// <summary>A read-only view of a replica's hash with its expired fields left out, outside the table; null when none is left.</summary>
    private static Entry? WithoutExpiredFields(Entry entry, HashValue hash, long nowMs)
    {
        var live = (HashValue)hash.DeepCopy();
        live.RemoveExpired(nowMs);
        return live.Count == 0 ? null : new Entry(entry.Key, entry.Hash, RedisType.Hash, live)
        {
            ExpireAtMs = entry.ExpireAtMs,
            Version = entry.Version,
            Access = entry.Access,
            AccountedBytes = -1,
        };
    }

    /// <summary>
    /// <see cref="Peek"/> for a key a command is about to use (the executor's type
    /// check): the handler's own lookup of the same argument then finds the entry without hashing
    /// the key again.
    /// </summary>
    public Entry? PeekAhead(byte[] key, in KeyAccess access)
    {
        var entry = Peek(key, access);
        if (entry is not null)
            (_aheadKey, _aheadEntry) = (key, entry);
        return entry;
    }

    /// <summary>The key's version as stored, or -1 when there is no entry (no expiry, no access: for the keyspace notifications' before/after).</summary>
    public long VersionOf(ReadOnlySpan<byte> key) => Find(key)?.Version ?? -1;

    private Entry? Find(ReadOnlySpan<byte> key)
    {
        // The same argument array as the last PeekAhead (not just equal bytes).
        if (_aheadKey is { } ahead && ahead.Length == key.Length
            && Unsafe.AreSame(ref MemoryMarshal.GetReference(key), ref MemoryMarshal.GetArrayDataReference(ahead)))
            return _aheadEntry;
        return _table.Find(key, KeyTable.HashOf(key));
    }

    /// <summary>Records an access to <paramref name="entry"/>: its LRU clock or LFU counter. No allocation.</summary>
    public void RecordAccess(Entry entry, in KeyAccess access)
    {
        entry.Access = access.Lfu ? Eviction.LfuAccess(entry.Access, access.NowMs, _random) : Eviction.LruClock(access.NowMs);
        HotKeys.Record(entry);
    }

    /// <summary>Access statistics for the most accessed keys.</summary>
    public HotKeys HotKeys { get; } = new();

    /// <summary>Adds a key that does not exist (the caller has looked it up).</summary>
    public Entry Add(byte[] key, RedisType type, IValue value, in KeyAccess access) => Add(key, type, value, access, linked: true);

    /// <param name="linked">False while bulk loading: the entry is placed in the table, and counted, later (<see cref="LinkBulkLoaded"/>).</param>
    private Entry Add(byte[] key, RedisType type, IValue value, in KeyAccess access, bool linked)
    {
        // A key created while a snapshot runs is not part of it (the log after the snapshot has it).
        var entry = new Entry(key, KeyTable.HashOf(key), type, value)
        {
            Version = NextVersion(),
            SavedEpoch = SnapshotEpoch,
            Access = access.Lfu ? Eviction.LfuNew(access.NowMs) : Eviction.LruClock(access.NowMs),
        };
        if (linked)
        {
            _table.Add(entry);
            MarkSizePending(entry);
        }
        else
        {
            (_bulkLoaded ??= []).Add(entry);
        }
        TrackFieldExpiry(entry);
        SignalReady(key);
        return entry;
    }

    /// <summary>Stores a value under a key, replacing whatever was there (SET's semantics).</summary>
    /// <param name="keepTtl">Keep the old key's TTL (KEEPTTL); otherwise the key has none.</param>
    public Entry Overwrite(byte[] key, RedisType type, IValue value, in KeyAccess access, bool keepTtl = false)
    {
        // The caller looked the key up already (that was the access); this lookup is not another.
        var entry = Peek(key, access);
        if (entry is null)
            return Add(key, type, value, access);
        Replace(entry, type, value, keepTtl);
        return entry;
    }

    /// <summary>
    /// <see cref="Overwrite"/> with string bytes (SET, SETEX, MSET, GETSET): a key that already holds a
    /// string may keep its value object, rewritten in place (see <see cref="StringValue.Rewrite"/>).
    /// </summary>
    public Entry OverwriteString(byte[] key, byte[] bytes, in KeyAccess access, bool keepTtl = false)
    {
        var entry = Peek(key, access);
        if (entry is null)
            return Add(key, RedisType.String, StringValue.Wrap(bytes), access);
        Replace(entry, RedisType.String, StringValue.Rewrite(entry.Value, bytes), keepTtl);
        return entry;
    }

    private void Replace(Entry entry, RedisType type, IValue value, bool keepTtl)
    {
        if (entry.Type == RedisType.Stream)
            SignalReady(entry.Key);
        entry.Type = type;
        entry.Value = value;
        UntrackFieldExpiry(entry);
        TrackFieldExpiry(entry);
        MarkSizePending(entry);
        if (!keepTtl)
            RemoveExpiry(entry);
        Touch(entry);
    }

    /// <summary>Records a write to the entry's value: it gets a new version.</summary>
    public void Touch(Entry entry)
    {
        entry.Version = NextVersion();
        MarkSizePending(entry);
    }

    /// <summary>Removes the key; true if it was live (one past its time is reported as expired instead).</summary>
    public bool Delete(ReadOnlySpan<byte> key, in KeyAccess access)
    {
        var entry = Find(key);
        if (entry is null)
            return false;
        var live = !access.IsExpired(entry);
        Remove(entry);
        if (!live)
            _observer.Expired(entry.Key);
        return live;
    }

    /// <summary>Removes an entry the caller has looked up.</summary>
    public void Delete(Entry entry) => Remove(entry);

    public void SetExpiry(Entry entry, long atMs)
    {
        entry.ExpireAtMs = atMs;
        MarkSizePending(entry);
        if (entry.ExpireSlot < 0)
        {
            entry.ExpireSlot = _withExpiry.Count;
            _withExpiry.Add(entry);
        }
        Touch(entry);
    }

    /// <summary>Removes the entry's TTL; true if it had one.</summary>
    public bool Persist(Entry entry)
    {
        if (!RemoveExpiry(entry))
            return false;
        Touch(entry);
        return true;
    }

    public void Clear()
    {
        Release();
        _sizePending.Clear();
        _table.Clear();
        _withExpiry.Clear();
        _withFieldExpiry.Clear();
        _entryBytes = 0;
    }

    /// <summary>
    /// Replaces every entry with <paramref name="loaded"/>'s, in O(1) whatever their number: a keyspace
    /// filled aside (a replica's full sync, decoded off the engine thread) is swapped in whole. The old
    /// entries leave as <see cref="Clear"/> removes them; <paramref name="loaded"/> is empty afterwards
    /// and must not be used again. Versions go on above both keyspaces' counters.
    /// </summary>
    /// <param name="readyKeys">Keys that may now serve blocked callers (the loaded streams): signalled once swapped in.</param>
    public void TakeContentsOf(Keyspace loaded, IEnumerable<byte[]> readyKeys)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(readyKeys);
        Release();
        (_table, loaded._table) = (loaded._table, new KeyTable());
        (_withExpiry, loaded._withExpiry) = (loaded._withExpiry, []);
        (_withFieldExpiry, loaded._withFieldExpiry) = (loaded._withFieldExpiry, []);
        (_sizePending, loaded._sizePending) = (loaded._sizePending, []);
        (_entryBytes, loaded._entryBytes) = (loaded._entryBytes, 0);
        ContinueVersionsAbove(loaded._lastVersion);
        foreach (var key in readyKeys)
            SignalReady(key);
    }

    /// <summary>
    /// Adds an entry read from a snapshot as the command that wrote it: the version it was saved
    /// with, its TTL. False (nothing added) when the key is there already.
    /// </summary>
    public bool AddLoaded(RedisType type, byte[] key, long expireAtMs, long version, IValue value, in KeyAccess access)
    {
        if (Lookup(key, access) is not null)
            return false;
        AddLoaded(type, key, expireAtMs, version, value, access, linked: true);
        return true;
    }

    /// <summary>
    /// <see cref="AddLoaded(RedisType, byte[], long, long, IValue, in KeyAccess)"/> for a keyspace that
    /// holds nothing but a snapshot being loaded into it (a replica's full sync, decoded aside): the
    /// entries are placed in the table all at once by <see cref="LinkBulkLoaded"/>, which also finds a
    /// key that came twice. Until then, nothing may look keys up or count them.
    /// </summary>
    public void AddBulkLoaded(RedisType type, byte[] key, long expireAtMs, long version, IValue value, in KeyAccess access) =>
        AddLoaded(type, key, expireAtMs, version, value, access, linked: false);

    /// <summary>Ends a bulk load (<see cref="AddBulkLoaded"/>): returns a key that came twice (the keyspace is then not whole), or null.</summary>
    /// <remarks>
    /// Why in bulk: a million keys added one by one doubled the table twenty times and wrote its
    /// buckets in random order, so every garbage collection during the load rescanned the whole bucket
    /// array for references to new entries; and each entry waited in a second list to be sized. Kept
    /// in one list, they dirty only its end, and are placed and sized in one pass at the end.
    /// </remarks>
    public byte[]? LinkBulkLoaded()
    {
        if (_bulkLoaded is not { } entries)
            return null;
        _bulkLoaded = null;
        if (_table.AddAll(entries) is { } twice)
            return twice.Key;
        foreach (var entry in entries)
            Recount(entry);
        return null;
    }

    private void AddLoaded(RedisType type, byte[] key, long expireAtMs, long version, IValue value, in KeyAccess access, bool linked)
    {
        BeginCommand(version);
        var entry = Add(key, type, value, access, linked);
        if (expireAtMs != Entry.NoExpiry)
            SetExpiry(entry, expireAtMs);
        EndCommand();
    }

    /// <summary>Lets go of every entry (before they are dropped): a running snapshot saves them first, their sizes stop counting, waiters on streams are woken.</summary>
    private void Release()
    {
        if (SnapshotEpoch != 0)
        {
            foreach (var entry in All().ToList())
                SaveBeforeChange(entry);
        }
        foreach (var entry in _sizePending)
            entry.SizePending = false;
        foreach (var entry in All())
        {
            entry.AccountedBytes = -1;
            if (entry.Type == RedisType.Stream)
                SignalReady(entry.Key);
        }
        foreach (var entry in _withFieldExpiry)
            entry.FieldExpirySlot = -1;
        (_aheadKey, _aheadEntry) = (null, null);
        HotKeys.Clear();
    }

    /// <summary>One SCAN step: adds one bucket's live entries and returns the next cursor (0 when done).</summary>
    public ulong Scan(ulong cursor, List<Entry> into, in KeyAccess access)
    {
        var start = into.Count;
        var next = _table.Scan(cursor, into);
        for (var i = into.Count - 1; i >= start; i--)
        {
            if (access.IsExpired(into[i]))
            {
                Expire(into[i]);
                into.RemoveAt(i);
            }
        }
        return next;
    }

    /// <summary>One table step of SCAN, expired entries included and left in place (for snapshots).</summary>
    public ulong ScanAll(ulong cursor, List<Entry> into) => _table.Scan(cursor, into);

    /// <summary>
    /// The keyspace walker: visits every entry from <paramref name="cursor"/> on (expired ones
    /// included, left in place), a table bucket at a time, for about <paramref name="budget"/> — at
    /// least one bucket — so a walk of the whole keyspace never stops the engine for long. What a
    /// running snapshot and BIGKEYS share. Every entry present for the whole walk is visited once;
    /// entries added or removed meanwhile may or may not be (SCAN's guarantee).
    /// </summary>
    /// <returns>The cursor to go on from; 0 when the walk is complete.</returns>
    public ulong Walk(ulong cursor, TimeSpan budget, Action<Entry> visit)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        do
        {
            _walked.Clear();
            cursor = _table.Scan(cursor, _walked);
            foreach (var entry in _walked)
                visit(entry);
        }
        while (cursor != 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) < budget);
        _walked.Clear();
        return cursor;
    }

    // The walker's bucket, reused (engine thread only; a visit never walks again).
    private readonly List<Entry> _walked = [];

    /// <summary>A random live key, or null when there is none.</summary>
    public Entry? RandomEntry(in KeyAccess access)
    {
        // A replica keeps expired keys (the primary's DEL removes them): it gives up after a while, as Redis does.
        var tries = 0;
        while (_table.Random(_random) is { } entry)
        {
            if (!access.IsExpired(entry))
                return entry;
            if (HidesExpired && ++tries > 100)
                return null;
            Expire(entry);
        }
        return null;
    }

    /// <summary>Removes every key whose time has passed (as expiry does, reporting each); returns how many.</summary>
    public int RemoveExpired(in KeyAccess access)
    {
        var now = access;
        var expired = _withExpiry.Where(entry => now.IsExpired(entry)).ToList();
        foreach (var entry in expired)
            Expire(entry);
        return expired.Count;
    }

    /// <summary>A random key among those with a TTL (expired or not), or null.</summary>
    public Entry? RandomEntryWithExpiry() =>
        _withExpiry.Count == 0 ? null : _withExpiry[_random.Next(_withExpiry.Count)];

    /// <summary>Every entry, live or not yet reclaimed; for KEYS and tests (O(N)).</summary>
    public IEnumerable<Entry> All()
    {
        var batch = new List<Entry>();
        ulong cursor = 0;
        do
        {
            batch.Clear();
            cursor = _table.Scan(cursor, batch);
            foreach (var entry in batch)
                yield return entry;
        }
        while (cursor != 0);
    }

    /// <summary>A random key among all (expired or not), or null: eviction's sample.</summary>
    public Entry? RandomEntryAny() => _table.Random(_random);

    /// <summary>
    /// <see cref="UsedBytes"/> recomputed from scratch over every entry: O(N), for tests and checks
    /// of the incremental sum.
    /// </summary>
    public long RecountUsedBytes()
    {
        SettleSizes();
        return MemoryModel.BaseBytes + _table.OverheadBytes + MemoryModel.RefArray(_withExpiry.Capacity) + All().Sum(SizeOf);
    }

    /// <summary>The estimated bytes of one entry: the entry, its key, its value and its TTL slot.</summary>
    public static long SizeOf(Entry entry) =>
        MemoryModel.EntryBytes + MemoryModel.ByteArray(entry.Key.Length) + entry.Value.EstimatedBytes
        + (entry.HasExpiry ? MemoryModel.ExpiryBytes : 0);

    /// <summary>Removes an entry to free memory and reports it (logged as DEL, as Redis propagates evictions).</summary>
    public void Evict(Entry entry)
    {
        Remove(entry);
        _observer.Evicted(entry.Key);
    }

    /// <summary>
    /// Whether expired keys are hidden rather than removed: on a replica, which never expires keys on
    /// its own — it hides them from reads and applies its primary's deletions (Redis's rule), so its
    /// data and its stream stay exactly its primary's. Set by the engine thread before each command.
    /// </summary>
    public bool HidesExpired { get; set; }

    /// <summary>Removes an expired entry and reports it (lazy and active expiry); on a replica (<see cref="HidesExpired"/>) it stays.</summary>
    public void Expire(Entry entry)
    {
        if (HidesExpired)
            return;
        Remove(entry);
        _observer.Expired(entry.Key);
    }

    private void Remove(Entry entry)
    {
        SaveBeforeChange(entry);
        _table.Remove(entry);
        if (ReferenceEquals(entry, _aheadEntry))
            (_aheadKey, _aheadEntry) = (null, null);
        RemoveExpiry(entry);
        UntrackFieldExpiry(entry);
        _entryBytes -= entry.AccountedBytes;
        entry.AccountedBytes = -1;
        // A parked XREADGROUP learns that its stream is gone (Redis 7's signalDeletedKeyAsReady).
        if (entry.Type == RedisType.Stream)
            SignalReady(entry.Key);
    }

    /// <summary>
    /// Registers an entry whose hash has field TTLs with the active cycle (idempotent; a command that
    /// gives a field a TTL calls it). Entries added or replaced with such a hash are registered already.
    /// </summary>
    public void TrackFieldExpiry(Entry entry)
    {
        if (entry.FieldExpirySlot >= 0 || entry.Value is not HashValue { HasFieldExpiries: true })
            return;
        entry.FieldExpirySlot = _withFieldExpiry.Count;
        _withFieldExpiry.Add(entry);
    }

    private void UntrackFieldExpiry(Entry entry)
    {
        if (entry.FieldExpirySlot < 0)
            return;
        // Swap-remove keeps the list dense for O(1) random sampling.
        var last = _withFieldExpiry[^1];
        _withFieldExpiry[entry.FieldExpirySlot] = last;
        last.FieldExpirySlot = entry.FieldExpirySlot;
        _withFieldExpiry.RemoveAt(_withFieldExpiry.Count - 1);
        entry.FieldExpirySlot = -1;
    }

    /// <summary>A random hash with field TTLs, or null (the active cycle's sample).</summary>
    public Entry? RandomEntryWithFieldExpiry() =>
        _withFieldExpiry.Count == 0 ? null : _withFieldExpiry[_random.Next(_withFieldExpiry.Count)];

    /// <summary>
    /// Removes the hash fields of <paramref name="entry"/> whose time has passed and reports them (as
    /// HDEL, keeping the key's version); false when no field is left — the caller then removes the key.
    /// </summary>
    public bool ExpireFields(Entry entry, in KeyAccess access)
    {
        if (entry.Value is not HashValue hash || !hash.HasFieldExpiries)
        {
            UntrackFieldExpiry(entry);
            return true;
        }
        if (hash.NextExpiry >= access.NowMs || HidesExpired)
            return true;
        SaveBeforeChange(entry);
        var removed = hash.RemoveExpired(access.NowMs)!;
        MarkSizePending(entry);
        if (!hash.HasFieldExpiries)
            UntrackFieldExpiry(entry);
        _observer.FieldsExpired(entry.Key, removed, entry.Version);
        if (hash.Count > 0)
            return true;
        // The last field went: the key goes with it, as the replayed HDEL of its fields removes it.
        Remove(entry);
        return false;
    }

    private void MarkSizePending(Entry entry)
    {
        if (entry.SizePending)
            return;
        entry.SizePending = true;
        _sizePending.Add(entry);
    }

    /// <summary>Recounts the entries written since the last count (removed ones were subtracted already).</summary>
    private void SettleSizes()
    {
        foreach (var entry in _sizePending)
        {
            entry.SizePending = false;
            if (entry.AccountedBytes >= 0)
                Recount(entry);
        }
        _sizePending.Clear();
    }

    /// <summary>Counts an entry's size anew in <see cref="_entryBytes"/>.</summary>
    private void Recount(Entry entry)
    {
        var size = SizeOf(entry);
        _entryBytes += size - entry.AccountedBytes;
        entry.AccountedBytes = size;
    }

    private void SaveBeforeChange(Entry entry)
    {
        if (SnapshotEpoch != 0 && entry.SavedEpoch < SnapshotEpoch)
            _observer.BeforeChange(entry);
    }

    private bool RemoveExpiry(Entry entry)
    {
        if (entry.ExpireSlot < 0)
            return false;
        // Swap-remove keeps the list dense for O(1) random sampling.
        var last = _withExpiry[^1];
        _withExpiry[entry.ExpireSlot] = last;
        last.ExpireSlot = entry.ExpireSlot;
        _withExpiry.RemoveAt(_withExpiry.Count - 1);
        entry.ExpireSlot = -1;
        entry.ExpireAtMs = Entry.NoExpiry;
        MarkSizePending(entry);
        return true;
    }

    private long NextVersion()
    {
        if (_commandVersion > 0)
            return _commandVersion;
        var version = ++_lastVersion;
        if (_commandVersion == 0)
            _commandVersion = version;
        return version;
    }
}
