namespace Lodestone.Engine.Tests;

public sealed class SmokeTests : IDisposable
{
    private readonly TestEngine _engine = new();

    public void Dispose() => _engine.Dispose();

    [Fact]
    public async Task Set_then_get_round_trips_and_is_logged()
    {
        ReplyAssert.Ok(await _engine.Run("SET", "k", "v"));
        ReplyAssert.Bulk(await _engine.Run("GET", "k"), "v");
        ReplyAssert.Integer(await _engine.Run("INCR", "n"), 1);
        ReplyAssert.Error(await _engine.Run("INCR", "k"), "ERR value is not an integer or out of range");
        ReplyAssert.Error(await _engine.Run("nope", "a"), "ERR unknown command 'nope', with args beginning with: 'a' ");
        Assert.Equal(["SET k v", "INCR n"], _engine.Log.Effects);
    }
}
