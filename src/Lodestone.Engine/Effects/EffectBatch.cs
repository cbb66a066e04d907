using System.Buffers;
using Lodestone.Engine.Execution;
using Lodestone.Engine.Persistence.Aof;

namespace Lodestone.Engine.Effects;

/// <summary>
/// One batch of the committed effect stream: its effects, and the same effects encoded as stream
/// bytes (<see cref="AofFormat"/> records) starting at <see cref="StartOffset"/>.
/// </summary>
/// <remarks>Both views are only valid during the call they are handed to: the engine reuses them.</remarks>
/// <param name="StartOffset">The stream offset of the batch's first byte.</param>
/// <param name="Bytes">The encoded records, each at its offset: what the AOF appends and the backlog holds.</param>
/// <param name="Effects">The same records, decoded.</param>
public readonly record struct EffectBatch(long StartOffset, ReadOnlyMemory<byte> Bytes, IReadOnlyList<Effect> Effects)
{
    /// <summary>The offset after the batch: where the next one starts.</summary>
    public long EndOffset => StartOffset + Bytes.Length;

    /// <summary>Encodes <paramref name="effects"/> as stream records from <paramref name="startOffset"/> (a fresh buffer: for tests and tools).</summary>
    public static EffectBatch Encode(IReadOnlyList<Effect> effects, long startOffset)
    {
        var buffer = new ArrayBufferWriter<byte>();
        return Encode(effects, startOffset, buffer);
    }

    /// <summary>Encodes into <paramref name="buffer"/>, which is reset first; the batch's bytes live in it.</summary>
    internal static EffectBatch Encode(IReadOnlyList<Effect> effects, long startOffset, ArrayBufferWriter<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(effects);
        buffer.ResetWrittenCount();
        for (var i = 0; i < effects.Count; i++)
            AofFormat.WriteRecord(buffer, startOffset + buffer.WrittenCount, effects[i]);
        return new EffectBatch(startOffset, buffer.WrittenMemory, effects);
    }
}
