using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// A caller's reply-size limit (<see cref="CommandRequest.MaxReplyElements"/>): one request must not be
/// able to make the engine build a reply that exhausts memory, as Redis's client-output-buffer-limit.
/// </summary>
public sealed class ReplyLimitTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    private static CommandRequest Limited(long limit, params string[] args) =>
        new(args.Select(Encoding.UTF8.GetBytes).ToArray()) { MaxReplyElements = limit };

    private async Task<Reply> RunLimited(long limit, params string[] args) => (await _engine.Executor.ExecuteAsync(Limited(limit, args))).Reply;

    [Theory]
    [InlineData("SRANDMEMBER", "s", "-16777216")]
    [InlineData("HRANDFIELD", "h", "-600000", "WITHVALUES")]
    [InlineData("ZRANDMEMBER", "z", "-600000", "WITHSCORES")]
    public async Task A_random_sample_larger_than_the_limit_is_refused_before_it_is_built(params string[] command)
    {
        await _engine.Run("SADD", "s", "a", "b");
        await _engine.Run("HSET", "h", "f", "v", "g", "w");
        await _engine.Run("ZADD", "z", "1", "a", "2", "b");

        var reply = await RunLimited(1_000_000, command);

        Assert.Equal(ErrorKind.TooLarge, reply.AsError().Kind);
        Assert.StartsWith("ERR the reply would hold ", reply.AsError().Message, StringComparison.Ordinal);
        Assert.Contains("1000000", reply.AsError().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sample_within_the_limit_is_answered()
    {
        await _engine.Run("SADD", "s", "a", "b");

        Assert.Equal(1000, (await RunLimited(1000, "SRANDMEMBER", "s", "-1000")).AsItems().Count);
        Assert.Equal(ErrorKind.TooLarge, (await RunLimited(1000, "SRANDMEMBER", "s", "-1001")).AsError().Kind);
    }

    [Fact]
    public async Task A_range_over_the_limit_is_refused_and_a_page_of_it_is_answered()
    {
        await _engine.Run(["RPUSH", "l", .. Enumerable.Range(0, 50).Select(i => $"e{i}")]);

        Assert.Equal(ErrorKind.TooLarge, (await RunLimited(10, "LRANGE", "l", "0", "-1")).AsError().Kind);
        Assert.Equal(10, (await RunLimited(10, "LRANGE", "l", "0", "9")).AsItems().Count);
    }

    [Fact]
    public async Task Any_read_over_the_limit_is_refused_and_changes_nothing()
    {
        await _engine.Run(["SADD", "s", .. Enumerable.Range(0, 20).Select(i => $"m{i}")]);
        await _engine.Run(["HSET", "h", .. Enumerable.Range(0, 6).SelectMany(i => new[] { $"f{i}", "v" })]);

        Assert.Equal(ErrorKind.TooLarge, (await RunLimited(10, "SMEMBERS", "s")).AsError().Kind);
        Assert.Equal(ErrorKind.TooLarge, (await RunLimited(10, "HGETALL", "h")).AsError().Kind); // 12 values
        ReplyAssert.Integer(await _engine.Run("SCARD", "s"), 20);
    }

    [Fact]
    public async Task A_writes_reply_is_never_refused_after_it_ran()
    {
        await _engine.Run(["RPUSH", "l", .. Enumerable.Range(0, 20).Select(i => $"e{i}")]);

        var popped = await RunLimited(5, "LPOP", "l", "20");

        Assert.Equal(20, popped.AsItems().Count);
        ReplyAssert.Integer(await _engine.Run("EXISTS", "l"), 0);
    }

    [Fact]
    public async Task The_limit_counts_a_whole_pipeline_and_a_whole_transaction()
    {
        await _engine.Run(["RPUSH", "l", .. Enumerable.Range(0, 6).Select(i => $"e{i}")]);
        CommandRequest[] requests = [Limited(10, "LRANGE", "l", "0", "-1"), Limited(10, "GET", "missing"), Limited(10, "LRANGE", "l", "0", "-1")];

        var pipeline = await _engine.Executor.ExecuteBatchAsync(requests);
        var transaction = await _engine.Executor.ExecuteAtomicAsync(requests);

        foreach (var results in new[] { pipeline, transaction })
        {
            Assert.Equal(6, results[0].Reply.AsItems().Count);
            ReplyAssert.Null(results[1].Reply);
            // 6 + 1 used: 3 left of 10, and the second range holds 6.
            Assert.Contains("the 3 this request may still receive", results[2].Reply.AsError().Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Each_request_starts_with_its_whole_limit()
    {
        await _engine.Run(["RPUSH", "l", .. Enumerable.Range(0, 6).Select(i => $"e{i}")]);

        for (var i = 0; i < 3; i++)
            Assert.Equal(6, (await RunLimited(6, "LRANGE", "l", "0", "-1")).AsItems().Count);
    }

    [Fact]
    public async Task Without_a_limit_any_reply_is_built()
    {
        await _engine.Run("SADD", "s", "a");

        Assert.Equal(100_000, (await _engine.Run("SRANDMEMBER", "s", "-100000")).AsItems().Count);
    }
}
