using Lodestone.Engine.Commands;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Security;

/// <summary>What a caller may do: read, write or administer.</summary>
public enum AclRole
{
    /// <summary>A replica of this node: may follow its replication stream and acknowledge, and run no command at all.</summary>
    Replica = -1,
    /// <summary>Commands that only read (and those that touch no data: PING, ECHO, TIME, COMMAND).</summary>
    Read = 0,
    /// <summary>Reads and writes; not administrative commands.</summary>
    Write = 1,
    /// <summary>Everything.</summary>
    Admin = 2,
}

/// <summary>
/// A caller's permissions, checked by the executor with the other generic checks before a command
/// runs (Redis's ACL check): the role decides which commands, the key patterns which keys.
/// </summary>
/// <remarks>
/// Key patterns are globs over the command table's declared key positions, so every key of a
/// multi-key command is checked. A command that declares no keys but reaches into the keyspace
/// (KEYS, RANDOMKEY, DBSIZE, FLUSHALL…) could see or change keys outside the patterns, so a user with
/// patterns may not run it — except SCAN (<see cref="CommandFlags.FiltersKeys"/>), which returns such
/// a user only the keys its patterns allow. @dangerous commands (KEYS, FLUSHDB, FLUSHALL) need the
/// admin role: one KEYS stalls the single engine thread for the whole keyspace, one FLUSHALL loses it.
/// </remarks>
public sealed class AclUser
{
    private readonly GlobPattern[] _keyPatterns;

    /// <summary>A user named <paramref name="name"/> with <paramref name="role"/>, limited to keys matching <paramref name="keyPatterns"/> (glob patterns; none: every key).</summary>
    public AclUser(string name, AclRole role, IEnumerable<byte[]>? keyPatterns = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Role = role;
        _keyPatterns = keyPatterns?.Select(pattern => GlobPattern.Compile(pattern)).ToArray() ?? [];
    }

    /// <summary>The user's name.</summary>
    public string Name { get; }

    /// <summary>What the user may run.</summary>
    public AclRole Role { get; }

    /// <summary>True when the user is limited to keys matching its patterns.</summary>
    public bool IsScoped => _keyPatterns.Length > 0;

    /// <summary>Why this user may not run <paramref name="args"/>, or null when it may.</summary>
    public EngineError? Check(CommandSpec spec, byte[][] args)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(args);
        if (Role == AclRole.Replica)
            return Errors.NoPermissionForCommand(spec.Name);
        var admin = (spec.Flags & (CommandFlags.Admin | CommandFlags.Dangerous)) != 0;
        if ((admin && Role < AclRole.Admin) || (spec.IsWrite && Role < AclRole.Write))
            return Errors.NoPermissionForCommand(spec.Name);
        if (!IsScoped)
            return null;

        var touchesData = (spec.Flags & (CommandFlags.Write | CommandFlags.ReadOnly)) != 0;
        if (spec.FirstKey == 0 && !spec.HasMovableKeys)
            return touchesData && (spec.Flags & CommandFlags.FiltersKeys) == 0 ? Errors.NoPermissionForKey : null;
        foreach (var index in spec.KeyIndexes(args))
        {
            if (!MayAccess(args[index]))
                return Errors.NoPermissionForKey;
        }
        return null;
    }

    /// <summary>Whether <paramref name="key"/> matches one of the user's patterns (always, for a user without any).</summary>
    public bool MayAccess(ReadOnlySpan<byte> key)
    {
        if (!IsScoped)
            return true;
        foreach (var pattern in _keyPatterns)
        {
            if (pattern.IsMatch(key))
                return true;
        }
        return false;
    }
}
