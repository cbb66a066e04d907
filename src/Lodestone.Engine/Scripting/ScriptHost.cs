using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Scripting;

/// <summary>The engine side of a running script: its commands go to the dispatcher, its busy time to the executor's queue.</summary>
internal sealed class ScriptHost(Executor engine) : IScriptHost
{
    private static readonly byte[] Script = "SCRIPT"u8.ToArray();
    private static readonly byte[] Function = "FUNCTION"u8.ToArray();
    private static readonly byte[] KillWord = "KILL"u8.ToArray();

    public Reply Call(byte[][] args, in ScriptCall script, out bool wrote) => engine.Dispatcher.RunFromScript(args, script, out wrote);

    public long BusyThresholdMs => engine.Settings.BusyReplyThresholdMs;

    public bool Stopping => engine.IsStopping;

    public void AnswerWhileBusy(ScriptRuntime runtime) =>
        engine.AnswerWhileBusy(request => !IsKill(request.Args) ? (Reply?)null
            : request.User is { Role: < Security.AclRole.Admin } ? Errors.NoPermissionForCommand(Encoding.ASCII.GetString(request.Args[0]) + "|kill")
            : runtime.Kill());

    /// <summary>SCRIPT KILL or FUNCTION KILL (any case).</summary>
    private static bool IsKill(byte[][] args) =>
        args.Length == 2
        && (System.Text.Ascii.EqualsIgnoreCase(args[0], Script) || System.Text.Ascii.EqualsIgnoreCase(args[0], Function))
        && System.Text.Ascii.EqualsIgnoreCase(args[1], KillWord);
}
