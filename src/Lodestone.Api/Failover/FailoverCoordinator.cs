using System.Diagnostics;
using System.Net.Http.Json;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft;
using Lodestone.Api.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Lodestone.Api.Failover;

/// <summary>
/// The coordinator: runs on every member and acts only on the Raft leader. Every
/// <c>DownAfterMs / 10</c> it sends each member a heartbeat naming the committed epoch and primary
/// (which renews the primary's write lease, and only while this leader holds its Raft leader lease)
/// and reads back each member's status. It commits a new configuration through Raft when
/// <list type="bullet">
/// <item>the group has no primary yet: once every member answered, or DownAfterMs passed, the most up-to-date member becomes the primary of epoch 1;</item>
/// <item>the primary has not answered for DownAfterMs: the most up-to-date replica that answered (then priority, then id) becomes primary, epoch + 1.</item>
/// </list>
/// A primary's lease lasts half of DownAfterMs from the heartbeat that granted it, and a heartbeat
/// counts as answered only once its reply is back, so by the time a replica is promoted the old
/// primary's lease has run out, however the two were cut apart. A leader new in its term waits
/// DownAfterMs from its election before judging the primary, which covers the leases its
/// predecessor granted (Raft elects no new leader while the old one's leader lease runs).
/// </summary>
internal sealed partial class FailoverCoordinator(
    IRaftCluster raft, GroupStateMachine group, IOptions<FailoverSettings> options, IHttpClientFactory clients, ILogger<FailoverCoordinator> logger) : BackgroundService
{
    /// <summary>The named HTTP client the coordinator's heartbeats use (it presents the cluster key).</summary>
    public const string Client = "lodestone-failover";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    // One turn at a time: a round of heartbeats and decisions, or a whole manual failover.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly Dictionary<string, TimeSpan> _answeredAt = new(StringComparer.Ordinal);
    private TimeSpan _leadingSince;
    private bool _leading;

    /// <summary>Failovers this node committed as the coordinator.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    private long _failovers;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var interval = TimeSpan.FromMilliseconds(Math.Max(20, settings.DownAfterMs / 10));
        using var http = clients.CreateClient(Client);
        http.Timeout = TimeSpan.FromMilliseconds(Math.Max(100, settings.DownAfterMs / 5));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (raft.LeadershipToken.IsCancellationRequested)
                {
                    _leading = false;
                    continue;
                }
                if (!_leading)
                {
                    _leading = true;
                    _leadingSince = _clock.Elapsed;
                    _answeredAt.Clear();
                }
                // No lease, no heartbeats: another leader may exist already, and only one may renew the primary's lease.
                if (!raft.TryGetLeaseToken(out var lease) || lease.IsCancellationRequested)
                    continue;
                await _turn.WaitAsync(stoppingToken);
                try
                {
                    var configuration = group.Current;
                    var statuses = await HeartbeatAllAsync(http, configuration, lease);
                    await DecideAsync(http, configuration, statuses, settings, lease, stoppingToken);
                }
                finally
                {
                    _turn.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<List<NodeStatus>> HeartbeatAllAsync(HttpClient http, GroupConfiguration configuration, CancellationToken lease)
    {
        var heartbeat = new Heartbeat(configuration.Epoch, configuration.Primary, raft.Term);
        var members = Members(configuration);
        var replies = await Task.WhenAll(members.Select(m => HeartbeatAsync(http, m, heartbeat, lease)));
        var answered = new List<NodeStatus>();
        foreach (var status in replies)
        {
            if (status is null)
                continue;
            _answeredAt[status.Id] = _clock.Elapsed;
            answered.Add(status);
        }
        return answered;
    }

    private static Task<NodeStatus?> HeartbeatAsync(HttpClient http, GroupMember member, Heartbeat heartbeat, CancellationToken lease) =>
        AskAsync(http, member, FailoverHosting.HeartbeatPath, heartbeat, FailoverJson.Default.Heartbeat, lease);

    /// <summary>
    /// POSTs <paramref name="body"/> to one of <paramref name="member"/>'s node-to-node routes: its
    /// status, or null when it did not answer, refused, or is some other node at that address.
    /// </summary>
    private static async Task<NodeStatus?> AskAsync<T>(HttpClient http, GroupMember member, string path, T body,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken token)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(member.Url + path, body, type, token);
            if (!response.IsSuccessStatusCode)
                return null;
            var status = await response.Content.ReadFromJsonAsync(FailoverJson.Default.NodeStatus, token);
            return status is not null && status.Id == member.Id ? status : null;
        }
        catch (Exception failure) when (failure is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or IOException)
        {
            return null;
        }
    }

    private async Task DecideAsync(HttpClient http, GroupConfiguration configuration, List<NodeStatus> answered, FailoverSettings settings, CancellationToken lease, CancellationToken stoppingToken)
    {
        var downAfter = TimeSpan.FromMilliseconds(settings.DownAfterMs);
        var now = _clock.Elapsed;
        var members = Members(configuration);
        if (configuration.PrimaryMember is not { } primary)
        {
            // The group's first primary: wait for everyone (the one with data must not be passed over), but not forever.
            if (answered.Count < members.Count && now - _leadingSince < downAfter)
                return;
            if (GroupConfiguration.ChooseCandidate(answered) is { } first
                && await ProposeAsync(configuration.Promote(first.Id, members), reason: $"the group's first primary ({answered.Count} of {members.Count} members answered)", stoppingToken))
                await GrantLeaseAsync(http, first.Id, TimeSpan.FromMilliseconds(settings.DownAfterMs / 10), lease);
            return;
        }
        var lastAnswer = _answeredAt.TryGetValue(primary.Id, out var at) && at > _leadingSince ? at : _leadingSince;
        if (now - lastAnswer <= downAfter)
            return;
        var candidates = answered.Where(s => s.Id != primary.Id);
        if (GroupConfiguration.ChooseCandidate(candidates) is not { } chosen)
        {
            LogNoCandidate(primary.Id, (now - lastAnswer).TotalMilliseconds);
            return;
        }
        if (await ProposeAsync(configuration.Promote(chosen.Id, members),
            reason: $"the primary {primary.Id} did not answer for {(now - lastAnswer).TotalMilliseconds:F0} ms; {chosen.Id} is at offset {chosen.Offset}", stoppingToken))
        {
            Interlocked.Increment(ref _failovers);
            await GrantLeaseAsync(http, chosen.Id, TimeSpan.FromMilliseconds(settings.DownAfterMs / 10), lease);
        }
    }

    /// <summary>
    /// A manual failover, on the leader: pause the primary's writes, wait until <paramref name="to"/>
    /// (or the most up-to-date replica) has applied everything the primary committed, commit the new
    /// configuration, and renew the new primary's lease at once. No acknowledged write is lost: the
    /// primary took none after its offset was read, and the target had applied up to it. Writes pause
    /// from the first step until the new primary takes them.
    /// </summary>
    /// <returns>The outcome, or the problem that says why there is none.</returns>
    public async Task<(Contracts.FailoverResult? Done, ProblemHttpResult? Refused)> ManualAsync(string? to, TimeSpan timeout, CancellationToken token)
    {
        if (raft.LeadershipToken.IsCancellationRequested || !raft.TryGetLeaseToken(out var lease) || lease.IsCancellationRequested)
            return Refuse(StatusCodes.Status503ServiceUnavailable, "This node is not the group's leader (or has lost its lease); ask again.");
        await _turn.WaitAsync(token);
        try
        {
            var configuration = group.Current;
            if (configuration.PrimaryMember is not { } primary)
                return Refuse(StatusCodes.Status409Conflict, "The group has no primary yet.");
            var members = Members(configuration);
            if (to is not null && members.All(m => m.Id != to))
                return Refuse(StatusCodes.Status400BadRequest, $"'{to}' is not a member of the group.");
            if (to == primary.Id)
                return Refuse(StatusCodes.Status409Conflict, $"'{to}' is the primary already.");
            using var http = clients.CreateClient(Client);
            http.Timeout = timeout;
            var answered = await HeartbeatAllAsync(http, configuration, lease);
            var target = to is null
                ? GroupConfiguration.ChooseCandidate(answered.Where(s => s.Id != primary.Id))
                : answered.FirstOrDefault(s => s.Id == to && !s.Loading);
            if (target is null)
                return Refuse(StatusCodes.Status409Conflict, to is null ? "No replica answered that can be promoted." : $"'{to}' did not answer, or is loading.");
            var paused = Stopwatch.StartNew();
            var deadline = paused.Elapsed + timeout;
            if (await PauseAsync(http, primary, new PauseRequest(configuration.Epoch, (int)timeout.TotalMilliseconds), lease) is not { } stopped)
                return Refuse(StatusCodes.Status503ServiceUnavailable, $"The primary {primary.Id} did not pause its writes.");
            var heartbeat = new Heartbeat(configuration.Epoch, configuration.Primary, raft.Term);
            while (true)
            {
                if (await HeartbeatAsync(http, members.First(m => m.Id == target.Id), heartbeat, lease) is { } status && status.Offset >= stopped.Offset)
                    break;
                if (paused.Elapsed > deadline)
                {
                    await PauseAsync(http, primary, new PauseRequest(configuration.Epoch, 0), lease);
                    return Refuse(StatusCodes.Status409Conflict, $"'{target.Id}' did not reach the primary's offset {stopped.Offset} within {timeout.TotalMilliseconds:F0} ms; the primary takes writes again.");
                }
                await Task.Delay(5, token);
            }
            var next = configuration.Promote(target.Id, members);
            if (!await ProposeAsync(next, $"manual failover from {primary.Id}, at offset {stopped.Offset}", token))
            {
                await PauseAsync(http, primary, new PauseRequest(configuration.Epoch, 0), lease);
                return Refuse(StatusCodes.Status503ServiceUnavailable, "The new configuration was not committed (the leader lost its place); the primary takes writes again.");
            }
            Interlocked.Increment(ref _failovers);
            await GrantLeaseAsync(http, target.Id, timeout, lease);
            return (new Contracts.FailoverResult(next.Epoch, target.Id, primary.Id, stopped.Offset, (long)paused.Elapsed.TotalMilliseconds), null);
        }
        finally
        {
            _turn.Release();
        }
    }

    private static (Contracts.FailoverResult?, ProblemHttpResult?) Refuse(int status, string reason) =>
        (null, Problems.Create(ProblemTable.ForStatus(status), reason, "FAILOVER"));

    /// <summary>
    /// Until a new primary's first heartbeat it holds no lease: heartbeats go to every member now, and
    /// again until <paramref name="primary"/> holds one (it must apply the committed configuration
    /// first) or <paramref name="within"/> has passed, rather than at the next round.
    /// </summary>
    private async Task GrantLeaseAsync(HttpClient http, string primary, TimeSpan within, CancellationToken lease)
    {
        var started = _clock.Elapsed;
        while (_clock.Elapsed - started < within && !lease.IsCancellationRequested)
        {
            var statuses = await HeartbeatAllAsync(http, group.Current, lease);
            if (statuses.Any(s => s.Id == primary && s.HasLease))
                return;
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private static Task<NodeStatus?> PauseAsync(HttpClient http, GroupMember primary, PauseRequest pause, CancellationToken token) =>
        AskAsync(http, primary, FailoverHosting.PausePath, pause, FailoverJson.Default.PauseRequest, token);

    public override void Dispose()
    {
        _turn.Dispose();
        base.Dispose();
    }

    private IReadOnlyList<GroupMember> Members(GroupConfiguration configuration) => FailoverHosting.MembersOf(configuration, options.Value);

    private async Task<bool> ProposeAsync(GroupConfiguration next, string reason, CancellationToken stoppingToken)
    {
        LogProposing(next.Epoch, next.Primary, reason);
        try
        {
            await raft.ReplicateAsync(new ConfigurationEntry(next, raft.Term), stoppingToken);
            // The followers learn the entry is committed with the next replication round: start it now
            // rather than at the next heartbeat, so the new primary applies its configuration at once.
            await raft.ForceReplicationAsync(stoppingToken);
            // Judge the new primary from now on, not from its last answer as a replica.
            _answeredAt[next.Primary] = _clock.Elapsed;
            return true;
        }
        catch (Exception failure) when (failure is InvalidOperationException or TimeoutException or IOException)
        {
            // Leadership lost meanwhile, or no quorum: the next leader judges again.
            LogNotCommitted(next.Epoch, failure.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover: proposing epoch {Epoch} with primary {Primary}: {Reason}")]
    private partial void LogProposing(long epoch, string primary, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover: epoch {Epoch} was not committed: {Reason}")]
    private partial void LogNotCommitted(long epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failover: the primary {Primary} has not answered for {Ms:F0} ms and no replica can be promoted (none answered, or all have priority 0)")]
    private partial void LogNoCandidate(string primary, double ms);

    /// <summary>A configuration as a Raft log entry.</summary>
    private sealed class ConfigurationEntry(GroupConfiguration configuration, long term) : IRaftLogEntry
    {
        private readonly byte[] _bytes = configuration.ToBytes();

        public long Term => term;

        public DateTimeOffset Timestamp { get; } = DateTimeOffset.UtcNow;

        bool DotNext.IO.Log.ILogEntry.IsSnapshot => false;

        bool IDataTransferObject.IsReusable => true;

        long? IDataTransferObject.Length => _bytes.Length;

        ValueTask IDataTransferObject.WriteToAsync<TWriter>(TWriter writer, CancellationToken token) => writer.Invoke(_bytes, token);
    }
}
