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
        KeyType = declaration.KeyType;
        Syntax = declaration.Syntax;
        Summary = declaration.Summary;
        Complexity = declaration.Complexity;
        Group = declaration.Group;
        Since = declaration.Since;
        Handler = handler;
    }

    /// <summary>Upper-case command name.</summary>
    public string Name { get; }

    /// <summary>Exact argument count (command included) when positive; the minimum when negative.</summary>
    public int Arity { get; }

    public CommandFlags Flags { get; }

    /// <summary>1-based index of the first key argument; 0 when the command takes no key.</summary>
    public int FirstKey { get; }

    /// <summary>Index of the last key argument; negative counts from the end.</summary>
    public int LastKey { get; }

    public int KeyStep { get; }

    /// <summary>The type every declared key must hold, checked before the handler; None for no check.</summary>
    public RedisType KeyType { get; }

    public string Syntax { get; }

    public string Summary { get; }

    public string Complexity { get; }

    public string Group { get; }

    public string Since { get; }

    public bool IsWrite => (Flags & CommandFlags.Write) != 0;

    internal CommandHandler Handler { get; }

    /// <summary>Whether <paramref name="argumentCount"/> arguments (command name included) satisfy the arity.</summary>
    public bool AcceptsArgumentCount(int argumentCount) =>
        Arity >= 0 ? argumentCount == Arity : argumentCount >= -Arity;

    /// <summary>The argument indexes that are keys, for a call with <paramref name="argumentCount"/> arguments.</summary>
    public IEnumerable<int> KeyIndexes(int argumentCount)
    {
        if (FirstKey <= 0)
            yield break;
        var last = LastKey < 0 ? argumentCount + LastKey : LastKey;
        for (var i = FirstKey; i <= last && i < argumentCount; i += KeyStep)
            yield return i;
    }
}
