using System.Security.Cryptography;

namespace Lodestone.Client;

/// <summary>A lock held on a majority of independent nodes.</summary>
/// <param name="FencingToken">
/// The largest token the nodes granted, which a majority of them now carry: greater than the token of
/// every earlier Redlock acquisition of the name. Pass it to what the lock protects.
/// </param>
/// <param name="Validity">How long the lock is safely held, counted from when the call returned: the lease less the time acquiring took and an allowance for clock drift.</param>
public sealed record RedlockLease(string Name, string Owner, long FencingToken, TimeSpan Validity);

/// <summary>How <see cref="Redlock"/> acquires across nodes: its clock, and the settings above.</summary>
public sealed class RedlockOptions
{
    /// <summary>How long to wait for one node; keep it far below the lease so that a dead node costs little of it.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The share of the lease allowed for the nodes' clocks running at different rates (plus 2 ms).</summary>
    public double ClockDriftFactor { get; init; } = 0.01;

    /// <summary>Between attempts, a random pause up to this long, so that competing clients do not retry in step.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock that measures how long an acquisition took (tests inject a fake one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// Redlock over N independent Lodestone nodes (no replication between them), with a fencing token.
/// </summary>
/// <remarks>
/// <para>
/// To acquire: take the lock on every node at once with the same random owner and no waiting, each
/// request bounded by <see cref="RedlockOptions.RequestTimeout"/>. The lock is won when a majority
/// (N/2 + 1) granted it and the lease left after the time this took and the drift allowance is
/// positive. Then every granting node is raised (LOCK.RAISE) to the largest token granted, T; a
/// majority must confirm, and T is the fencing token. If anything falls short, the lock is released
/// everywhere (a node that timed out may still have granted it).
/// </para>
/// <para>
/// Why T only grows: a won lock leaves a majority carrying T, and any later win needs a majority too,
/// so it shares at least one node; that node grants above its latest token, which is at least T, so
/// the later maximum is above T. This holds under Redlock's own assumptions: nodes do not forget
/// grants (Persistence:AppendFsync Always, or the delayed restart Lodestone applies otherwise) and
/// clocks advance at about the same rate.
/// </para>
/// </remarks>
public sealed class Redlock
{
    private readonly IReadOnlyList<LockClient> _nodes;
    private readonly RedlockOptions _options;

    /// <summary>A lock over <paramref name="nodes"/>, independent Lodestone primaries; a majority of them must grant it.</summary>
    public Redlock(IEnumerable<LockClient> nodes, RedlockOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        _nodes = [.. nodes];
        if (_nodes.Count == 0)
            throw new ArgumentException("Redlock needs at least one node (and an odd number, three or more, to survive failures).", nameof(nodes));
        _options = options ?? new RedlockOptions();
    }

    /// <summary>Grants needed to win: a majority of the nodes.</summary>
    public int Quorum => _nodes.Count / 2 + 1;

    /// <summary>
    /// Tries to take the lock for <paramref name="ttl"/>, again after a random pause while
    /// <paramref name="retryFor"/> has not passed; null if it was not won.
    /// </summary>
    public async Task<RedlockLease?> TryAcquireAsync(string name, TimeSpan ttl, TimeSpan retryFor = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var time = _options.Time;
        var started = time.GetTimestamp();
        while (true)
        {
            if (await AcquireOnceAsync(name, ttl, cancellationToken).ConfigureAwait(false) is { } lease)
                return lease;
            var pause = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * _options.RetryDelay.TotalMilliseconds);
            if (time.GetElapsedTime(started) + pause >= retryFor)
                return null;
            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renews the lease on the nodes to <paramref name="ttl"/> from now; null if a majority no longer holds it for this owner.</summary>
    public async Task<RedlockLease?> ExtendAsync(RedlockLease lease, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var started = _options.Time.GetTimestamp();
        var extended = await OnEveryNodeAsync((node, token) => node.ExtendAsync(lease.Name, lease.Owner, ttl, token), cancellationToken).ConfigureAwait(false);
        var validity = Validity(ttl, started);
        if (extended.Count(grant => grant is not null) >= Quorum && validity > TimeSpan.Zero)
            return lease with { Validity = validity };
        return null;
    }

    /// <summary>Releases the lock on every node (best effort: a node that does not answer lets the lease run out).</summary>
    public Task ReleaseAsync(RedlockLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return ReleaseEverywhereAsync(lease.Name, lease.Owner);
    }

    private async Task<RedlockLease?> AcquireOnceAsync(string name, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var owner = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var started = _options.Time.GetTimestamp();
        try
        {
            var grants = await OnEveryNodeAsync((node, token) => node.TryAcquireAsync(name, ttl, owner, TimeSpan.Zero, token), cancellationToken).ConfigureAwait(false);
            var granted = _nodes.Zip(grants).Where(pair => pair.Second is not null).ToList();
            if (granted.Count >= Quorum && Validity(ttl, started) > TimeSpan.Zero)
            {
                var fencingToken = granted.Max(pair => pair.Second!.FencingToken);
                var raised = await Task.WhenAll(granted.Select(pair =>
                    BoundedAsync(pair.First, (node, token) => node.RaiseAsync(name, owner, fencingToken, token), cancellationToken))).ConfigureAwait(false);
                var validity = Validity(ttl, started);
                if (raised.Count(token => token == fencingToken) >= Quorum && validity > TimeSpan.Zero)
                    return new RedlockLease(name, owner, fencingToken, validity);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseEverywhereAsync(name, owner).ConfigureAwait(false);
            throw;
        }
        await ReleaseEverywhereAsync(name, owner).ConfigureAwait(false);
        return null;
    }

    /// <summary>The lease less the time since <paramref name="started"/> and the drift allowance.</summary>
    private TimeSpan Validity(TimeSpan ttl, long started) =>
        ttl - _options.Time.GetElapsedTime(started) - (ttl * _options.ClockDriftFactor) - TimeSpan.FromMilliseconds(2);

    private async Task ReleaseEverywhereAsync(string name, string owner) =>
        await OnEveryNodeAsync(async (node, token) => (bool?)await node.ReleaseAsync(name, owner, token).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);

    private Task<T?[]> OnEveryNodeAsync<T>(Func<LockClient, CancellationToken, Task<T?>> call, CancellationToken cancellationToken) =>
        Task.WhenAll(_nodes.Select(node => BoundedAsync(node, call, cancellationToken)));

    /// <summary>One node's answer within the request timeout; a node that fails or is too slow answers default.</summary>
    private async Task<T?> BoundedAsync<T>(LockClient node, Func<LockClient, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await call(node, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested
            && failure is HttpRequestException or OperationCanceledException or LodestoneException or System.Text.Json.JsonException)
        {
            return default;
        }
    }
}
