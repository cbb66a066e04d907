namespace Lodestone.Engine.Tests;

/// <summary>
/// <see cref="Effects.EffectStream.WaitForOffsetAsync"/>, what a read on a replica waits with for the
/// offset of its client's write: it completes when a batch reaching the offset is published, and says
/// false when the time runs out first.
/// </summary>
public sealed class OffsetWaitTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task A_wait_for_an_offset_already_reached_is_true_at_once()
    {
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        var stream = _engine.Executor.Effects;
        Assert.True(await stream.WaitForOffsetAsync(stream.Offset, TimeSpan.Zero, TimeProvider.System, CancellationToken.None));
    }

    [Fact]
    public async Task A_wait_for_a_later_offset_ends_when_a_write_reaches_it()
    {
        var stream = _engine.Executor.Effects;
        var target = stream.Offset + 1;
        var waiting = stream.WaitForOffsetAsync(target, TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stream.Offset >= target);
    }

    [Fact]
    public async Task A_wait_for_an_offset_nobody_writes_is_false_when_its_time_is_up()
    {
        var stream = _engine.Executor.Effects;
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        Assert.False(await stream.WaitForOffsetAsync(stream.Offset + 1_000, TimeSpan.FromMilliseconds(50), TimeProvider.System, CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
