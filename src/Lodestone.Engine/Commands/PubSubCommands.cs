using Lodestone.Engine.Execution;
using Lodestone.Engine.PubSub;

namespace Lodestone.Engine.Commands;

/// <summary>Publish/subscribe (Redis's pubsub.c): publishing and introspection; subscriptions live on streams.</summary>
/// <remarks>
/// Design note. A subscription is a connection that stays open, which a request/response call is
/// not: SUBSCRIBE and its kin answer here with where their streams are (Server-Sent Events and a
/// WebSocket, see docs/api.md), as MONITOR does. PUBLISH is not logged — replaying a log must not
/// publish again — and channels are checked against a scoped API key's patterns, as keys are.
/// </remarks>
internal static class PubSubCommands
{
    private const string Group = "pubsub";

    /// <summary>PUBLISH channel message</summary>
    /// <remarks>O(N+M), N the channel's subscribers, M the patterns. Replies how many received it.</remarks>
    [Command("PUBLISH", 3, Flags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast,
        Syntax = "PUBLISH channel message", Summary = "Posts a message to a channel.",
        Complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        Group = Group, Since = "2.0.0")]
    public static Reply Publish(CommandContext ctx) =>
        MayUse(ctx, 1, 1) ?? Reply.Integer(ctx.PubSub.Publish(ctx.Args[1], ctx.Args[2]));

    /// <summary>SPUBLISH shardchannel message</summary>
    /// <remarks>On one node every shard channel is here: PUBLISH for shard channels' subscribers.</remarks>
    [Command("SPUBLISH", 3, Flags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast,
        Syntax = "SPUBLISH shardchannel message", Summary = "Post a message to a shard channel",
        Complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.", Group = Group, Since = "7.0.0")]
    public static Reply SPublish(CommandContext ctx) =>
        MayUse(ctx, 1, 1) ?? Reply.Integer(ctx.PubSub.PublishShard(ctx.Args[1], ctx.Args[2]));

    /// <summary>PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | SHARDCHANNELS [pattern] | SHARDNUMSUB [shardchannel ...] | HELP</summary>
    [Command("PUBSUB", -2, Flags = CommandFlags.PubSub | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "PUBSUB CHANNELS [pattern] | PUBSUB NUMSUB [channel [channel ...]] | PUBSUB NUMPAT | PUBSUB SHARDCHANNELS [pattern] | PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]] | PUBSUB HELP",
        Summary = "A container for Pub/Sub commands.", Complexity = "Depends on subcommand.", Group = Group, Since = "2.8.0")]
    public static Reply PubSub(CommandContext ctx)
    {
        var sub = ctx.ArgText(1).ToUpperInvariant();
        switch (sub)
        {
            case "CHANNELS" or "SHARDCHANNELS" when ctx.ArgCount <= 3:
                return Reply.Array([.. ctx.PubSub.ActiveChannels(ctx.ArgCount == 3 ? ctx.Args[2] : null, sub == "SHARDCHANNELS").Select(Reply.Bulk)]);
            case "NUMSUB" or "SHARDNUMSUB":
                return Reply.Array([.. ctx.Args.Skip(2).SelectMany(channel => new[] { Reply.Bulk(channel), Reply.Integer(ctx.PubSub.SubscribersOf(channel, sub == "SHARDNUMSUB")) })]);
            case "NUMPAT" when ctx.ArgCount == 2:
                return Reply.Integer(ctx.PubSub.PatternCount);
            case "HELP" when ctx.ArgCount == 2:
                return Reply.Array([.. Help.Select(Reply.Simple)]);
            case "NUMPAT" or "HELP":
                return Errors.WrongArity("pubsub|" + sub.ToLowerInvariant());
            case "CHANNELS" or "SHARDCHANNELS":
                return Errors.UnknownSubcommandOrArity(ctx.ArgText(1), "PUBSUB");
            default:
                return Errors.UnknownSubcommand(ctx.ArgText(1), "PUBSUB");
        }
    }

    /// <summary>SUBSCRIBE channel [channel ...]</summary>
    /// <remarks>Differs from Redis: answered with where the stream is; subscribing needs a connection that stays open.</remarks>
    [Command("SUBSCRIBE", -2, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "SUBSCRIBE channel [channel ...]", Summary = "Listens for messages published to channels (over HTTP: a stream, see docs/api.md).",
        Complexity = "O(N) where N is the number of channels to subscribe to.", Group = Group, Since = "2.0.0")]
    public static Reply Subscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>PSUBSCRIBE pattern [pattern ...]</summary>
    [Command("PSUBSCRIBE", -2, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "PSUBSCRIBE pattern [pattern ...]", Summary = "Listens for messages published to channels that match one or more patterns (over HTTP: a stream).",
        Complexity = "O(N) where N is the number of patterns to subscribe to.", Group = Group, Since = "2.0.0")]
    public static Reply PSubscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>SSUBSCRIBE shardchannel [shardchannel ...]</summary>
    [Command("SSUBSCRIBE", -2, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "SSUBSCRIBE shardchannel [shardchannel ...]", Summary = "Listens for messages published to shard channels (over HTTP: a stream).",
        Complexity = "O(N) where N is the number of shard channels to subscribe to.", Group = Group, Since = "7.0.0")]
    public static Reply SSubscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>UNSUBSCRIBE [channel [channel ...]]</summary>
    [Command("UNSUBSCRIBE", -1, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "UNSUBSCRIBE [channel [channel ...]]", Summary = "Stops listening to messages posted to channels (over HTTP: close the stream, or a WebSocket frame).",
        Complexity = "O(N) where N is the number of channels to unsubscribe.", Group = Group, Since = "2.0.0")]
    public static Reply Unsubscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>PUNSUBSCRIBE [pattern [pattern ...]]</summary>
    [Command("PUNSUBSCRIBE", -1, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "PUNSUBSCRIBE [pattern [pattern ...]]", Summary = "Stops listening to messages published to channels that match one or more patterns (over HTTP: see UNSUBSCRIBE).",
        Complexity = "O(N) where N is the number of patterns to unsubscribe.", Group = Group, Since = "2.0.0")]
    public static Reply PUnsubscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>SUNSUBSCRIBE [shardchannel [shardchannel ...]]</summary>
    [Command("SUNSUBSCRIBE", -1, Flags = CommandFlags.PubSub | CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale,
        Syntax = "SUNSUBSCRIBE [shardchannel [shardchannel ...]]", Summary = "Stops listening to messages posted to shard channels (over HTTP: see UNSUBSCRIBE).",
        Complexity = "O(N) where N is the number of shard channels to unsubscribe.", Group = Group, Since = "7.0.0")]
    public static Reply SUnsubscribe(CommandContext ctx) => Errors.SubscribeNeedsStream(ctx.Spec.Name);

    /// <summary>A scoped API key may use only channels its key patterns allow (arguments <paramref name="first"/>…<paramref name="last"/>).</summary>
    private static EngineError? MayUse(CommandContext ctx, int first, int last)
    {
        if (ctx.User is not { IsScoped: true } user)
            return null;
        for (var i = first; i <= last; i++)
        {
            if (!user.MayAccess(ctx.Arg(i)))
                return Errors.NoPermissionForChannel;
        }
        return null;
    }

    private static readonly string[] Help =
    [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
}
