using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Declares a command on its handler: the one place a command's name, arity, flags, key positions,
/// syntax and complexity are written. <see cref="CommandTable"/> collects them.
/// </summary>
/// <remarks>
/// Arity follows Redis: positive means exactly that many arguments (command name included),
/// negative means at least that many. Key positions are 1-based argument indexes; a negative
/// <see cref="LastKey"/> counts from the end (-1 = the last argument).
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class CommandAttribute(string name, int arity) : Attribute
{
    public string Name { get; } = name;

    public int Arity { get; } = arity;

    public CommandFlags Flags { get; init; }

    public int FirstKey { get; init; }

    public int LastKey { get; init; }

    public int KeyStep { get; init; } = 1;

    /// <summary>
    /// For commands whose keys follow a count (<c>ZUNION numkeys key …</c>): the index of that count;
    /// the keys are the arguments after it. A <see cref="FirstKey"/> before it (ZUNIONSTORE's
    /// destination) is a key too. Redis's "keynum" key spec.
    /// </summary>
    public int NumKeysIndex { get; init; }

    /// <summary>
    /// For commands whose keys follow a keyword (<c>XREAD … STREAMS key … id …</c>): the keyword,
    /// searched for from argument <see cref="KeywordSearchFrom"/> on; the keys are the first half of
    /// the arguments after it. Redis's "keyword" begin-search with a range limited to half.
    /// </summary>
    public string? KeysAfterKeyword { get; init; }

    /// <summary>Where the search for <see cref="KeysAfterKeyword"/> starts (1-based).</summary>
    public int KeywordSearchFrom { get; init; } = 1;

    /// <summary>
    /// When set, the executor checks that every declared key, if it exists, holds this type and
    /// replies WRONGTYPE otherwise — before the handler runs.
    /// </summary>
    public RedisType KeyType { get; init; }

    /// <summary>The Redis syntax line, e.g. <c>GET key</c>.</summary>
    public required string Syntax { get; init; }

    public required string Summary { get; init; }

    public required string Complexity { get; init; }

    /// <summary>Redis's command group: string, generic, server, connection…</summary>
    public required string Group { get; init; }

    /// <summary>The Redis version that introduced the command.</summary>
    public required string Since { get; init; }

    /// <summary>
    /// The data-type ACL categories, space-separated (e.g. <c>@set @sortedset @list</c>), when they are
    /// not the one the group implies: SORT is in group generic but not in @keyspace.
    /// </summary>
    public string? Categories { get; init; }
}
