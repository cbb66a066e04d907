using System.Reflection;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Commands;

/// <summary>
/// Every command the engine knows, collected once from the <see cref="CommandAttribute"/>
/// declarations beside the handlers. Resource endpoints, the command endpoint, log replay and
/// replication all dispatch through this one table.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _byName;

    // Lookup by the name's bytes, for every command the engine runs: open addressing over the
    // upper-cased names, a power-of-two size at least four times the count (short probes).
    private readonly byte[]?[] _slotNames;
    private readonly CommandSpec?[] _slotSpecs;

    private CommandTable(IEnumerable<CommandSpec> specs)
    {
        _byName = new Dictionary<string, CommandSpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in specs)
        {
            if (!_byName.TryAdd(spec.Name, spec))
                throw new InvalidOperationException($"Command {spec.Name} is declared twice.");
            spec.Id = _byName.Count - 1;
        }
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(_byName.Count * 4, 16));
        _slotNames = new byte[size][];
        _slotSpecs = new CommandSpec[size];
        foreach (var spec in _byName.Values)
        {
            var name = System.Text.Encoding.ASCII.GetBytes(spec.Name.ToUpperInvariant());
            var slot = (int)HashUpper(name) & (size - 1);
            while (_slotNames[slot] is not null)
                slot = (slot + 1) & (size - 1);
            _slotNames[slot] = name;
            _slotSpecs[slot] = spec;
        }
    }

    /// <summary>The table of this engine's commands.</summary>
    public static CommandTable Default { get; } = new(Discover());

    /// <summary>This engine's commands and <paramref name="extra"/> ones (tests declare commands that misbehave).</summary>
    internal static CommandTable With(params (CommandAttribute Declaration, CommandHandler Handler)[] extra) =>
        new(Discover().Concat(extra.Select(e => new CommandSpec(e.Declaration, e.Handler))));

    /// <summary>Every command, aliases included.</summary>
    public IReadOnlyCollection<CommandSpec> All => _byName.Values;

    /// <summary>How many commands the table holds.</summary>
    public int Count => _byName.Count;

    /// <summary>The command named <paramref name="name"/> (any case), or null.</summary>
    public CommandSpec? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The command whose name is these bytes (any case), or null.</summary>
    public CommandSpec? Find(ReadOnlySpan<byte> name)
    {
        // No command's name is longer: a long first argument is refused without being hashed.
        if (name.Length > 64)
            return null;
        var mask = _slotNames.Length - 1;
        for (var slot = (int)HashUpper(name) & mask; _slotNames[slot] is { } candidate; slot = (slot + 1) & mask)
        {
            if (EqualsUpper(name, candidate))
                return _slotSpecs[slot];
        }
        return null;
    }

    private static byte Upper(byte b) => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;

    /// <summary>FNV-1a over the bytes with ASCII letters upper-cased.</summary>
    private static uint HashUpper(ReadOnlySpan<byte> name)
    {
        var hash = 2166136261u;
        foreach (var b in name)
            hash = (hash ^ Upper(b)) * 16777619u;
        return hash;
    }

    private static bool EqualsUpper(ReadOnlySpan<byte> name, byte[] upper)
    {
        if (name.Length != upper.Length)
            return false;
        for (var i = 0; i < name.Length; i++)
        {
            if (Upper(name[i]) != upper[i])
                return false;
        }
        return true;
    }

    /// <summary>
    /// The checks every command passes before it runs, and the ones a transaction makes when a command
    /// is queued (Redis's EXECABORT cases): the command exists, its argument count fits its arity, and
    /// no argument is longer than <paramref name="maxArgumentLength"/>.
    /// </summary>
    /// <returns>The error, or null with <paramref name="spec"/> set.</returns>
    public EngineError? Check(byte[][] args, long maxArgumentLength, out CommandSpec spec)
    {
        ArgumentNullException.ThrowIfNull(args);
        spec = null!;
        if (args.Length == 0)
            return Errors.EmptyCommand;
        if (Find(args[0]) is not { } found)
            return Errors.UnknownCommand(args);
        if (!found.AcceptsArgumentCount(args.Length))
            return Errors.WrongArity(found.Name);
        foreach (var arg in args)
        {
            if (arg.LongLength > maxArgumentLength)
                return Errors.ArgumentTooLong;
        }
        spec = found;
        return null;
    }

    /// <summary>The declared command named <paramref name="name"/>; throws if there is none (for wiring code).</summary>
    public CommandSpec this[string name] =>
        Find(name) ?? throw new KeyNotFoundException($"No command named {name} is declared.");

    private static IEnumerable<CommandSpec> Discover()
    {
        const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var type in typeof(CommandTable).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(statics))
            {
                var declarations = method.GetCustomAttributes<CommandAttribute>().ToList();
                if (declarations.Count == 0)
                    continue;
                if (method.ReturnType != typeof(Reply) || method.GetParameters() is not [{ ParameterType: var p }] || p != typeof(CommandContext))
                    throw new InvalidOperationException($"{type.Name}.{method.Name} must be 'static Reply {method.Name}(CommandContext)'.");
                var handler = method.CreateDelegate<CommandHandler>();
                foreach (var declaration in declarations)
                    yield return new CommandSpec(declaration, handler);
            }
        }
    }
}
