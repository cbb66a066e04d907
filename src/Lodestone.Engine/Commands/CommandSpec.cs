using Lodestone.Engine.Types;

namespace Lodestone.Engine.Commands;

/// <summary>A command handler: runs on the engine thread, never blocks, returns its reply.</summary>
internal delegate Execution.Reply CommandHandler(CommandContext context);

/// <summary>One row of the command table: everything known about a command, and its handler.</summary>
public sealed class CommandSpec
{
    internal CommandSpec(CommandAttribute declaration, CommandHandler handler)
    {
        Name = declaration.Name.ToUpperInvariant();
        Arity = declaration.Arity;
        Flags = declaration.Flags;
        FirstKey = declaration.FirstKey;
        LastKey = declaration.LastKey;
        KeyStep = declaration.KeyStep;
        NumKeysIndex = declaration.NumKeysIndex;
        KeysAfterKeyword = declaration.KeysAfterKeyword;
        KeywordSearchFrom = declaration.KeywordSearchFrom;
        KeyType = declaration.KeyType;
        Syntax = declaration.Syntax;
        Summary = declaration.Summary;
        Complexity = declaration.Complexity;
        Group = declaration.Group;
        Since = declaration.Since;
        Categories = declaration.Categories?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        Handler = handler;
    }

    /// <summary>Upper-case command name.</summary>
    public string Name { get; }

    /// <summary>The command's index in its <see cref="CommandTable"/> (0 … Count-1): per-command statistics are arrays indexed by it.</summary>
    public int Id { get; internal set; }

    /// <summary>Exact argument count (command included) when positive; the minimum when negative.</summary>
    public int Arity { get; }

    /// <summary>What kind of command it is (write, read-only, admin, blocking…): the generic checks read these.</summary>
    public CommandFlags Flags { get; }

    /// <summary>1-based index of the first key argument; 0 when the command takes no key.</summary>
    public int FirstKey { get; }

    /// <summary>Index of the last key argument; negative counts from the end.</summary>
    public int LastKey { get; }

    /// <summary>The distance between key arguments from the first to the last (2 for MSET's key/value pairs).</summary>
    public int KeyStep { get; }

    /// <summary>The index of the key count for commands whose keys follow one; 0 otherwise.</summary>
    public int NumKeysIndex { get; }

    /// <summary>For commands whose keys follow a keyword (XREAD's STREAMS): the keyword; null otherwise.</summary>
    public string? KeysAfterKeyword { get; }

    /// <summary>Where the search for <see cref="KeysAfterKeyword"/> starts (1-based).</summary>
    public int KeywordSearchFrom { get; }

    /// <summary>Whether the key positions depend on the arguments (Redis's movablekeys).</summary>
    public bool HasMovableKeys => NumKeysIndex > 0 || KeysAfterKeyword is not null;

    /// <summary>The type every declared key must hold, checked before the handler; None for no check.</summary>
    public RedisType KeyType { get; }

    /// <summary>Redis's syntax line (<c>GETDEL key</c>), for COMMAND DOCS and the API's summaries.</summary>
    public string Syntax { get; }

    /// <summary>One sentence on what the command does.</summary>
    public string Summary { get; }

    /// <summary>Its time complexity, as Redis documents it.</summary>
    public string Complexity { get; }

    /// <summary>Its family in Redis's documentation (string, list, generic…).</summary>
    public string Group { get; }

    /// <summary>The Redis version that introduced it.</summary>
    public string Since { get; }

    /// <summary>Its data-type ACL categories when declared (<see cref="CommandAttribute.Categories"/>); empty when the group implies them.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Whether it may change data (logged, refused on a failed log or, later, a read-only replica).</summary>
    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    internal CommandHandler Handler { get; }

    /// <summary>Whether <paramref name="argumentCount"/> arguments (command name included) satisfy the arity.</summary>
    public bool AcceptsArgumentCount(int argumentCount) =>
        Arity >= 0 ? argumentCount == Arity : argumentCount >= -Arity;

    /// <summary>
    /// The argument indexes that are keys in this call. For a count-led command whose count is not a
    /// valid number of keys, only the fixed key (if any): the handler then reports the bad count.
    /// </summary>
    public KeyIndexSet KeyIndexes(byte[][] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (NumKeysIndex > 0)
        {
            var fixedKey = FirstKey > 0 && FirstKey < NumKeysIndex && FirstKey < args.Length ? FirstKey : 0;
            if (NumKeysIndex < args.Length
                && Text.RedisNumbers.TryParseInt64(args[NumKeysIndex], out var count)
                && count > 0 && count <= args.Length - NumKeysIndex - 1)
                return new KeyIndexSet(fixedKey, NumKeysIndex + 1, NumKeysIndex + (int)count, 1);
            return new KeyIndexSet(fixedKey, 1, 0, 1);
        }
        if (KeysAfterKeyword is { } keyword)
        {
            for (var i = KeywordSearchFrom; i < args.Length; i++)
            {
                if (System.Text.Ascii.EqualsIgnoreCase(args[i], keyword))
                    return new KeyIndexSet(0, i + 1, i + ((args.Length - i - 1) / 2), 1);
            }
            return default;
        }
        if (FirstKey <= 0)
            return default;
        var last = LastKey < 0 ? args.Length + LastKey : LastKey;
        return new KeyIndexSet(0, FirstKey, Math.Min(last, args.Length - 1), KeyStep);
    }
}

/// <summary>
/// The key positions of one call (see <see cref="CommandSpec.KeyIndexes"/>): a fixed key, if any,
/// then a stepped range. Enumerating it allocates nothing — it runs for every command.
/// </summary>
public readonly struct KeyIndexSet : IEnumerable<int>
{
    private readonly int _fixed;
    private readonly int _start;
    private readonly int _end;
    private readonly int _step;

    internal KeyIndexSet(int fixedKey, int start, int end, int step)
    {
        _fixed = fixedKey;
        _start = start;
        _end = end;
        _step = Math.Max(step, 1);
    }

    /// <summary>Enumerates the key positions without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<int> IEnumerable<int>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The allocation-free enumerator of <see cref="KeyIndexSet"/>.</summary>
    public struct Enumerator : IEnumerator<int>
    {
        private readonly KeyIndexSet _set;
        private int _next;
        private bool _started;

        internal Enumerator(KeyIndexSet set)
        {
            _set = set;
            _next = set._start;
        }

        /// <inheritdoc/>
        public int Current { get; private set; }

        readonly object System.Collections.IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                if (_set._fixed > 0)
                {
                    Current = _set._fixed;
                    return true;
                }
            }
            // default(KeyIndexSet) is empty: start 0, end 0, step 0, and no key is at index 0.
            if (_set._step == 0 || _next > _set._end)
                return false;
            Current = _next;
            _next += _set._step;
            return true;
        }

        /// <inheritdoc/>
        public void Reset()
        {
            _started = false;
            _next = _set._start;
        }

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}
