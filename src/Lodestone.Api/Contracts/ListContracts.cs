using System.Text.Json.Serialization;

namespace Lodestone.Api.Contracts;

/// <summary>Query of <c>GET /lists/{key}</c> (LRANGE): inclusive indexes, negative ones count from the tail, read a page at a time.</summary>
/// <param name="Start">First index; default 0 (the head).</param>
/// <param name="End">Last index; default -1 (the tail).</param>
/// <param name="Limit">The most elements in the page (1 to Http:MaxResponseElements, default 100).</param>
/// <param name="Page">The <c>next</c> token of the previous page of the same range; leave it out to start.</param>
public sealed record ListRangeQuery(long? Start, long? End, int? Limit, string? Page);

/// <summary>Elements of a list, head first, as <c>GET /lists/{key}</c> returns them: one page of the range asked for.</summary>
/// <param name="Length">How many elements the whole list has (LLEN); 0 when the key does not exist.</param>
/// <param name="Items">The page's elements of the range asked for.</param>
/// <param name="Next">Pass it back as <c>page</c> (with the same start and end) for the rest; null when the page ends the range.</param>
public sealed record ListRange(string Key, long Length, IReadOnlyList<string> Items, string? Next)
{
    /// <summary>"base64" when Key and Items are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>A list's length after a change, or as <c>GET /lists/{key}/length</c> reports it (0: the key does not exist).</summary>
public sealed record ListLength(string Key, long Length);

/// <summary>Body of <c>POST /lists/{key}/left</c> and <c>/right</c> (LPUSH, RPUSH).</summary>
/// <param name="Items">Elements to push, in order: pushed left, the last one ends up first.</param>
/// <param name="OnlyIfExists">Push only onto a list that exists (LPUSHX, RPUSHX); otherwise nothing happens and the length is 0.</param>
/// <param name="Encoding">"base64" when the items are base64.</param>
public sealed record PushRequest(IReadOnlyList<string> Items, bool OnlyIfExists = false, string? Encoding = null);

/// <summary>Query of the pop routes (LPOP, RPOP; with a timeout BLPOP, BRPOP, or BLMPOP when a count is given too).</summary>
/// <param name="Count">Pop up to this many elements (default 1).</param>
/// <param name="Timeout">Wait up to this many seconds for an element (a long poll) when the list is empty or missing.</param>
public sealed record PopQuery(long? Count, double? Timeout);

/// <summary>
/// Elements popped from a list. <c>Items</c> is empty when there was nothing to pop — the list does not
/// exist, or a blocking pop timed out; <c>Key</c> is then null for a pop across several lists.
/// </summary>
public sealed record PoppedItems(string? Key, IReadOnlyList<string> Items)
{
    /// <summary>"base64" when Key and Items are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>POST /lists/mpop</c> (LMPOP, or BLMPOP with a timeout): pop from the first of the lists that has elements.</summary>
/// <param name="Keys">The lists, in the order they are tried.</param>
/// <param name="From">"left" (the head) or "right" (the tail).</param>
/// <param name="Count">Pop up to this many elements (default 1).</param>
/// <param name="Timeout">Wait up to this many seconds for one of the lists to get an element.</param>
/// <param name="Encoding">"base64" when the keys are base64.</param>
public sealed record MultiPopRequest(IReadOnlyList<string> Keys, string From, long Count = 1, double? Timeout = null, string? Encoding = null);

/// <summary>An element of a list by its index, as <c>GET /lists/{key}/items/{index}</c> returns it.</summary>
public sealed record ListElement(string Key, long Index, string Value)
{
    /// <summary>"base64" when Key and Value are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}

/// <summary>Body of <c>PUT /lists/{key}/items/{index}</c> (LSET).</summary>
public sealed record SetElementRequest(string Value, string? Encoding = null);

/// <summary>Body of <c>POST /lists/{key}/insert</c> (LINSERT): insert Element before or after the first element equal to Pivot.</summary>
/// <param name="Position">"before" or "after".</param>
/// <param name="Encoding">"base64" when Pivot and Element are base64.</param>
public sealed record InsertRequest(string Pivot, string Element, string Position, string? Encoding = null);


/// <summary>How many elements a removal took away.</summary>
public sealed record RemovedCount(string Key, long Removed);

/// <summary>Body of <c>POST /lists/{key}/trim</c> (LTRIM): keep only the elements from Start to End inclusive.</summary>
public sealed record TrimRequest(long Start, long End);

/// <summary>Query of <c>GET /lists/{key}/position</c> (LPOS).</summary>
/// <param name="Element">The element to look for (base64 with <c>encoding=base64</c>).</param>
/// <param name="Rank">1 (default) for the first match, 2 for the second…; negative to search from the tail.</param>
/// <param name="Count">How many matches to return (default 1); 0 for all of them.</param>
/// <param name="MaxLen">Compare at most this many elements (0 or absent: the whole list).</param>
/// <param name="Encoding">"base64" when Element is base64.</param>
public sealed record PositionQuery(string Element, long? Rank, long? Count, long? MaxLen, string? Encoding);

/// <summary>Indexes of the matches, in the order found (from the tail for a negative rank); empty when there is none.</summary>
public sealed record ListPositions(string Key, IReadOnlyList<long> Positions);

/// <summary>Body of <c>POST /lists/{key}/move</c> (LMOVE, or BLMOVE with a timeout).</summary>
/// <param name="Destination">The list to push onto (created if missing; may be the same list, to rotate it).</param>
/// <param name="From">"left" or "right": the end of the source to pop.</param>
/// <param name="To">"left" or "right": the end of the destination to push.</param>
/// <param name="Timeout">Wait up to this many seconds for the source to get an element.</param>
/// <param name="Encoding">"base64" when Destination is base64.</param>
public sealed record MoveRequest(string Destination, string From, string To, double? Timeout = null, string? Encoding = null);

/// <summary>The element moved; null when the source had none (missing, or a blocking move timed out).</summary>
public sealed record MovedElement(string Source, string Destination, string? Element)
{
    /// <summary>"base64" when Source, Destination and Element are base64 (see <see cref="BinaryText"/>); absent for UTF-8 text.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Encoding { get; init; }
}
