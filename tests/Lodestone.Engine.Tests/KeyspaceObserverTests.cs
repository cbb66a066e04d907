using System.Text;
using Lodestone.Engine.Keyspace;
using Lodestone.Engine.Types;

namespace Lodestone.Engine.Tests;

/// <summary>
/// The keyspace's one seam for what happens to keys (<see cref="IKeyspaceObserver"/>): where keyspace
/// notifications and client-side caching attach. Each event arrives once, with its key, when it happens.
/// </summary>
public sealed class KeyspaceObserverTests
{
    private readonly Recorder _events = new();
    private readonly Keyspace.Keyspace _keyspace;

    public KeyspaceObserverTests() => _keyspace = new Keyspace.Keyspace(new Random(1), firstVersion: 1, _events);

    [Fact]
    public void A_key_looked_up_after_its_time_is_reported_expired()
    {
        var entry = Add("k", KeyAccess.At(1_000));
        _keyspace.SetExpiry(entry, 1_500);

        Assert.NotNull(_keyspace.Lookup(B("k"), KeyAccess.At(1_500)));
        Assert.Empty(_events.Log);
        Assert.Null(_keyspace.Lookup(B("k"), KeyAccess.At(1_501)));

        Assert.Equal(["expired k"], _events.Log);
    }

    [Fact]
    public void Keys_removed_by_the_expiry_sweep_are_reported_expired_and_live_ones_are_not()
    {
        _keyspace.SetExpiry(Add("gone", KeyAccess.At(0)), 100);
        _keyspace.SetExpiry(Add("later", KeyAccess.At(0)), 10_000);
        Add("forever", KeyAccess.At(0));

        Assert.Equal(1, _keyspace.RemoveExpired(KeyAccess.At(5_000)));

        Assert.Equal(["expired gone"], _events.Log);
    }

    [Fact]
    public void Deleting_a_key_past_its_time_reports_it_expired_not_deleted()
    {
        _keyspace.SetExpiry(Add("k", KeyAccess.At(0)), 100);
        Add("live", KeyAccess.At(0));

        Assert.False(_keyspace.Delete(B("k"), KeyAccess.At(200)));
        Assert.True(_keyspace.Delete(B("live"), KeyAccess.At(200)));

        Assert.Equal(["expired k"], _events.Log);
    }

    [Fact]
    public void An_evicted_key_is_reported_evicted()
    {
        var entry = Add("k", KeyAccess.At(0));

        _keyspace.Evict(entry);

        Assert.Equal(["evicted k"], _events.Log);
        Assert.Equal(0, _keyspace.Count);
    }

    [Fact]
    public void A_key_that_comes_into_existence_is_reported_ready_and_one_written_again_is_not()
    {
        _events.Log.Clear();
        _keyspace.OverwriteString(B("k"), B("1"), KeyAccess.At(0));
        _keyspace.OverwriteString(B("k"), B("2"), KeyAccess.At(0));

        Assert.Equal(["ready k"], _events.Log);
    }

    [Fact]
    public void While_a_snapshot_runs_a_write_lookup_reports_the_unsaved_entry_before_it_changes_and_a_read_does_not()
    {
        Add("k", KeyAccess.At(0));
        _keyspace.SnapshotEpoch = 1;

        _keyspace.Lookup(B("k"), KeyAccess.At(0));
        Assert.Empty(_events.Log);
        _keyspace.Lookup(B("k"), KeyAccess.At(0).For(write: true, countsReads: false));

        Assert.Equal(["before-change k"], _events.Log);
    }

    [Fact]
    public void Only_lookups_that_count_reads_are_hits_or_misses()
    {
        Add("k", KeyAccess.At(0));
        var reading = KeyAccess.At(0).For(write: false, countsReads: true);

        _keyspace.Lookup(B("k"), KeyAccess.At(0));
        _keyspace.Lookup(B("missing"), KeyAccess.At(0));
        _keyspace.Lookup(B("k"), reading);
        _keyspace.Lookup(B("missing"), reading);
        _keyspace.Lookup(B("missing"), reading);

        Assert.Equal((1, 2), (_keyspace.Hits, _keyspace.Misses));
    }

    [Fact]
    public void A_bulk_load_places_every_key_at_once_with_its_ttl_and_version_and_names_a_key_that_came_twice()
    {
        var loaded = new Keyspace.Keyspace(new Random(3), firstVersion: 0);
        for (var i = 0; i < 5_000; i++)
            loaded.AddBulkLoaded(RedisType.String, B($"key:{i}"), i % 10 == 0 ? 90_000 + i : Entry.NoExpiry, version: 100 + i, StringValue.Copy(B($"v{i}")), KeyAccess.At(0));

        Assert.Null(loaded.LinkBulkLoaded());

        Assert.Equal(5_000, loaded.Count);
        for (var i = 0; i < 5_000; i++)
        {
            var entry = loaded.Lookup(B($"key:{i}"), KeyAccess.At(0));
            Assert.NotNull(entry);
            Assert.Equal($"v{i}", Encoding.UTF8.GetString(((StringValue)entry.Value).Span));
            Assert.Equal(100 + i, entry.Version);
            Assert.Equal(i % 10 == 0 ? 90_000 + i : Entry.NoExpiry, entry.ExpireAtMs);
        }
        Assert.Equal(500, loaded.ExpiresCount);
        Assert.Equal(loaded.RecountUsedBytes(), loaded.UsedBytes);
        var scanned = new List<Entry>();
        ulong cursor = 0;
        do
            cursor = loaded.Scan(cursor, scanned, KeyAccess.At(0));
        while (cursor != 0);
        Assert.Equal(5_000, scanned.Select(entry => Encoding.UTF8.GetString(entry.Key)).Distinct().Count());

        var twice = new Keyspace.Keyspace(new Random(4), firstVersion: 0);
        twice.AddBulkLoaded(RedisType.String, B("a"), Entry.NoExpiry, version: 1, StringValue.Copy(B("1")), KeyAccess.At(0));
        twice.AddBulkLoaded(RedisType.String, B("b"), Entry.NoExpiry, version: 2, StringValue.Copy(B("2")), KeyAccess.At(0));
        twice.AddBulkLoaded(RedisType.String, B("a"), Entry.NoExpiry, version: 3, StringValue.Copy(B("3")), KeyAccess.At(0));
        Assert.Equal("a", Encoding.UTF8.GetString(twice.LinkBulkLoaded()!));
        Assert.Equal(2, twice.Count);
    }

    [Fact]
    public void A_keyspace_loaded_aside_is_taken_over_whole_with_its_ttls_sizes_and_versions_and_the_named_keys_are_ready()
    {
        _keyspace.SetExpiry(Add("old", KeyAccess.At(0)), 50_000);
        var loaded = new Keyspace.Keyspace(new Random(2), firstVersion: 0);
        Assert.True(loaded.AddLoaded(RedisType.String, B("new"), 90_000, version: 7_000, StringValue.Copy(B("value")), KeyAccess.At(0)));
        Assert.True(loaded.AddLoaded(RedisType.String, B("plain"), Entry.NoExpiry, version: 7_001, StringValue.Copy(B("v")), KeyAccess.At(0)));
        Assert.False(loaded.AddLoaded(RedisType.String, B("plain"), Entry.NoExpiry, version: 7_002, StringValue.Copy(B("w")), KeyAccess.At(0)));
        var loadedBytes = loaded.UsedBytes;

        _keyspace.TakeContentsOf(loaded, [B("new")]);

        Assert.Null(_keyspace.Lookup(B("old"), KeyAccess.At(0)));
        var taken = _keyspace.Lookup(B("new"), KeyAccess.At(0));
        Assert.NotNull(taken);
        Assert.Equal(90_000, taken.ExpireAtMs);
        Assert.Equal(7_000, taken.Version);
        Assert.Equal(2, _keyspace.Count);
        Assert.Equal(1, _keyspace.ExpiresCount);
        Assert.Equal(loadedBytes, _keyspace.UsedBytes);
        Assert.Equal(_keyspace.RecountUsedBytes(), _keyspace.UsedBytes);
        Assert.True(_keyspace.LastVersion >= 7_001);
        Assert.Equal(0, loaded.Count);
        Assert.Contains("ready new", _events.Log);
        // Expiry goes on from the taken-over entries.
        Assert.Equal(1, _keyspace.RemoveExpired(KeyAccess.At(100_000)));
        Assert.Equal(1, _keyspace.Count);
    }

    private Entry Add(string key, KeyAccess access)
    {
        var entry = _keyspace.Add(B(key), RedisType.String, StringValue.Copy(B("v")), access);
        _events.Log.Remove($"ready {key}");
        return entry;
    }

    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private sealed class Recorder : IKeyspaceObserver
    {
        public List<string> Log { get; } = [];

        public void Expired(byte[] key) => Log.Add($"expired {Encoding.UTF8.GetString(key)}");

        public void FieldsExpired(byte[] key, List<byte[]> fields, long version) =>
            Log.Add($"fields-expired {Encoding.UTF8.GetString(key)} {string.Join(' ', fields.Select(f => Encoding.UTF8.GetString(f)))}");

        public void Evicted(byte[] key) => Log.Add($"evicted {Encoding.UTF8.GetString(key)}");

        public void Missed(ReadOnlySpan<byte> key)
        {
        }

        public void Ready(byte[] key) => Log.Add($"ready {Encoding.UTF8.GetString(key)}");

        public void BeforeChange(Entry entry) => Log.Add($"before-change {Encoding.UTF8.GetString(entry.Key)}");
    }
}
