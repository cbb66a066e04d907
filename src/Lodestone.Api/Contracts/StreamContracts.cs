using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>
/// One entry of a stream: its id (<c>&lt;ms&gt;-&lt;seq&gt;</c>) and its fields. An entry added through
/// <c>/commands</c> with one field name twice shows that name's last value.
/// </summary>
/// <param name="Fields">Field name → value; null only for an entry a consumer group still lists as pending but that was deleted since (XREADGROUP's history, XCLAIM).</param>
public sealed record StreamEntry(string Id, IReadOnlyDictionary<string, string>? Fields);

/// <summary>The JSON of one event of <c>GET /streams/{key}/events</c> (its SSE <c>id:</c> is the same id).</summary>
public sealed record StreamEvent(string Id, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>"base64" when the field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /streams/{key}/entries</c> (XADD).</summary>
/// <param name="Fields">Field name → value, at least one, in the order given.</param>
/// <param name="Id">The entry's id: absent or <c>*</c> for a generated one, <c>&lt;ms&gt;-*</c> for a generated sequence, or an explicit <c>&lt;ms&gt;-&lt;seq&gt;</c> above the stream's last id.</param>
/// <param name="MaxLen">Trim the stream to this many entries as the entry is added (XADD MAXLEN).</param>
/// <param name="MinId">Or trim away the entries with an id below this one (XADD MINID).</param>
/// <param name="Approximate">Trim only whole blocks (<c>~</c>): cheaper, may leave a few entries more.</param>
/// <param name="Limit">With approximate: trim at most this many entries (XADD … LIMIT).</param>
/// <param name="NoMkStream">Add only to a stream that exists (NOMKSTREAM); otherwise 404.</param>
/// <param name="Encoding">"base64" when the field names and values are base64.</param>
public sealed record AddEntryRequest(
    IReadOnlyDictionary<string, string> Fields, string? Id = null, long? MaxLen = null, string? MinId = null,
    bool Approximate = false, long? Limit = null, bool NoMkStream = false, string? Encoding = null);

/// <summary>The entry a POST added: its id (also in <c>Location</c>).</summary>
public sealed record AddedEntry(string Key, string Id)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>GET /streams/{key}/entries</c> (XRANGE, or XREVRANGE with <c>reverse=true</c>), read a page at a time.</summary>
/// <param name="From">The smallest id (default <c>-</c>, the first entry); <c>(id</c> excludes it; <c>&lt;ms&gt;</c> alone means <c>&lt;ms&gt;-0</c>.</param>
/// <param name="To">The largest id (default <c>+</c>, the last entry); <c>(id</c> excludes it; <c>&lt;ms&gt;</c> alone means its last sequence.</param>
/// <param name="Limit">The most entries in the page (1 to Http:MaxResponseElements, default 100): Redis's COUNT.</param>
/// <param name="Page">The <c>next</c> token of the previous page of the same range; leave it out to start.</param>
/// <param name="Reverse">Newest first (XREVRANGE).</param>
public sealed record StreamRangeQuery(string? From, string? To, int? Limit, string? Page, bool? Reverse);

/// <summary>A page of a stream's entries, oldest first (newest first with <c>reverse=true</c>).</summary>
/// <param name="Next">When the page is full: pass it back as <c>page</c> (with the same range) for the next one; null otherwise.</param>
public sealed record StreamEntries(string Key, IReadOnlyList<StreamEntry> Entries, string? Next)
{
    /// <summary>"base64" when Key, the field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>One entry, as <c>GET /streams/{key}/entries/{id}</c> returns it.</summary>
public sealed record StreamEntryResponse(string Key, string Id, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>"base64" when Key, the field names and values are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A stream as XINFO STREAM describes it.</summary>
/// <param name="Length">Its entries.</param>
/// <param name="LastGeneratedId">The largest id it ever had: a new entry's id must be above it.</param>
/// <param name="MaxDeletedEntryId">The largest id deleted from it.</param>
/// <param name="EntriesAdded">Entries ever added.</param>
/// <param name="Groups">Its consumer groups.</param>
/// <param name="FirstEntry">The oldest entry; null when it is empty.</param>
/// <param name="LastEntry">The newest entry; null when it is empty.</param>
public sealed record StreamInfo(string Key, long Length, string LastGeneratedId, string MaxDeletedEntryId, long EntriesAdded, long Groups,
    StreamEntry? FirstEntry, StreamEntry? LastEntry)
{
    /// <summary>"base64" when Key and the entries are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /streams/{key}/trim</c> (XTRIM): one of MaxLen and MinId.</summary>
/// <param name="MaxLen">Keep the newest this many entries.</param>
/// <param name="MinId">Remove the entries with an id below this one.</param>
/// <param name="Approximate">Trim only whole blocks (<c>~</c>): cheaper, may leave a few entries more.</param>
/// <param name="Limit">With approximate: remove at most this many entries.</param>
public sealed record StreamTrimRequest(long? MaxLen = null, string? MinId = null, bool Approximate = false, long? Limit = null);

/// <summary>How many entries a trim or a deletion removed, and how many the stream has now.</summary>
public sealed record StreamTrimmed(string Key, long Removed, long Length);

/// <summary>Body of <c>PUT /streams/{key}/groups/{group}</c> (XGROUP CREATE).</summary>
/// <param name="From">The last id the group has seen: <c>$</c> (default) for only entries added from now on, <c>0</c> for the whole stream, or an id.</param>
/// <param name="MkStream">Create an empty stream if the key does not exist (MKSTREAM); otherwise a missing stream is 404.</param>
/// <param name="EntriesRead">How many entries the group has read so far (ENTRIESREAD), for its lag.</param>
public sealed record CreateGroupRequest(string? From = null, bool MkStream = false, long? EntriesRead = null);

/// <summary>A consumer group as XINFO GROUPS describes it.</summary>
/// <param name="Consumers">Its consumers.</param>
/// <param name="Pending">Entries delivered to its consumers and not acknowledged yet.</param>
/// <param name="LastDeliveredId">The id of the last entry delivered to it.</param>
/// <param name="EntriesRead">How many entries it has read (null when the stream cannot tell).</param>
/// <param name="Lag">Entries it has still to read (null when the stream cannot tell).</param>
public sealed record StreamGroup(string Name, long Consumers, long Pending, string LastDeliveredId, long? EntriesRead, long? Lag);

/// <summary>The consumer groups of a stream.</summary>
public sealed record StreamGroups(string Key, IReadOnlyList<StreamGroup> Groups)
{
    /// <summary>"base64" when Key is base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Query of <c>POST /streams/{key}/groups/{group}/read</c> (XREADGROUP).</summary>
/// <param name="Consumer">The consumer reading (created the first time it reads).</param>
/// <param name="Count">The most entries to take (default 10, at most Http:MaxResponseElements).</param>
/// <param name="Block">Wait up to this many milliseconds for new entries when there is none (a long poll; at most Http:MaxBlockingTimeoutSeconds).</param>
/// <param name="NoAck">Deliver without adding the entries to the pending list (NOACK): nothing to acknowledge, nothing to claim.</param>
/// <param name="From">Absent or <c>&gt;</c>: entries never delivered to the group. An id: this consumer's own pending entries after it (its history, after a restart).</param>
public sealed record GroupReadQuery(string Consumer, int? Count, long? Block, bool? NoAck, string? From);

/// <summary>What a consumer read (or claimed): entries, oldest first; empty when there was none (or the wait ended).</summary>
public sealed record GroupEntries(string Key, string Group, string Consumer, IReadOnlyList<StreamEntry> Entries)
{
    /// <summary>For a claim by idle time (XAUTOCLAIM): the id to pass as <c>start</c> to go on; absent when the scan is over.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Next { get; init; }

    /// <summary>For a claim: pending ids whose entries were deleted (they left the pending list); absent for a read.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Deleted { get; init; }

    /// <summary>"base64" when Key, Group, Consumer and the entries are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /streams/{key}/groups/{group}/ack</c> (XACK).</summary>
/// <param name="Ids">The ids of the entries processed.</param>
public sealed record AckRequest(IReadOnlyList<string> Ids);

/// <summary>How many of the ids were pending and are acknowledged now.</summary>
public sealed record Acknowledged(string Key, string Group, long Count);

/// <summary>Query of <c>GET /streams/{key}/groups/{group}/pending</c> (XPENDING, summary and entries).</summary>
/// <param name="From">The smallest id listed (default <c>-</c>); <c>(id</c> excludes it.</param>
/// <param name="To">The largest id listed (default <c>+</c>); <c>(id</c> excludes it.</param>
/// <param name="Limit">The most entries listed (1 to Http:MaxResponseElements, default 100): Redis's count.</param>
/// <param name="Page">The <c>next</c> token of the previous page; leave it out to start.</param>
/// <param name="Consumer">Only this consumer's entries.</param>
/// <param name="MinIdleMs">Only entries delivered at least this many milliseconds ago (IDLE).</param>
public sealed record PendingQuery(string? From, string? To, int? Limit, string? Page, string? Consumer, long? MinIdleMs);

/// <summary>One entry delivered and not acknowledged.</summary>
/// <param name="IdleMs">Milliseconds since it was last delivered.</param>
/// <param name="Deliveries">How many times it was delivered.</param>
public sealed record PendingEntry(string Id, string Consumer, long IdleMs, long Deliveries);

/// <summary>How many entries a consumer has pending.</summary>
public sealed record PendingConsumer(string Name, long Pending);

/// <summary>A group's pending entries: the summary for the whole group, then the entries the query selects.</summary>
/// <param name="Count">All the group's pending entries.</param>
/// <param name="Smallest">The smallest pending id; null when none is pending.</param>
/// <param name="Largest">The largest pending id; null when none is pending.</param>
/// <param name="Consumers">Each consumer with entries pending, and how many.</param>
/// <param name="Entries">The pending entries the query selects, by id: one page of them.</param>
/// <param name="Next">When the page is full: pass it back as <c>page</c> for the next one; null otherwise.</param>
public sealed record PendingEntries(string Key, string Group, long Count, string? Smallest, string? Largest,
    IReadOnlyList<PendingConsumer> Consumers, IReadOnlyList<PendingEntry> Entries, string? Next)
{
    /// <summary>"base64" when Key, Group and the consumers' names are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>
/// Body of <c>POST /streams/{key}/groups/{group}/claim</c>: give pending entries idle for at least
/// MinIdleMs to Consumer — the ones named (XCLAIM), or the first Count from Start on (XAUTOCLAIM).
/// </summary>
/// <param name="Consumer">The consumer taking the entries over.</param>
/// <param name="MinIdleMs">Only entries not delivered for at least this many milliseconds (another consumer may have claimed them meanwhile).</param>
/// <param name="Ids">The entries to claim (XCLAIM); leave out to claim by idle time (XAUTOCLAIM).</param>
/// <param name="Start">Without ids: the smallest id to look at (default <c>0-0</c>; pass the previous answer's <c>next</c> to go on).</param>
/// <param name="Count">Without ids: the most entries to claim (default 100).</param>
public sealed record ClaimRequest(string Consumer, long MinIdleMs = 0, IReadOnlyList<string>? Ids = null, string? Start = null, long? Count = null);
