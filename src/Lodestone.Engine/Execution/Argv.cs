using System.Text;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Execution;

/// <summary>Builds command argument vectors: byte arrays are used as they are, text as UTF-8, integers in decimal.</summary>
public static class Argv
{
    /// <summary>Arguments from strings, byte arrays and numbers (as Redis formats them), for callers that build commands.</summary>
    public static byte[][] Of(params object[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var argv = new byte[parts.Length][];
        for (var i = 0; i < parts.Length; i++)
        {
            argv[i] = parts[i] switch
            {
                byte[] bytes => bytes,
                string text => Encoding.UTF8.GetBytes(text),
                long number => RedisNumbers.FormatInt64(number),
                int number => RedisNumbers.FormatInt64(number),
                _ => throw new ArgumentException($"Unsupported argument type {parts[i]?.GetType().Name ?? "null"}.", nameof(parts)),
            };
        }
        return argv;
    }
}
