using System.Text;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Commands;

/// <summary>Builds the argument vectors handlers log through <see cref="CommandContext.Propagate"/>.</summary>
internal static class Effects
{
    /// <summary>An argument vector from byte arrays (used as they are), text (UTF-8) and integers (decimal).</summary>
    public static byte[][] Argv(params object[] parts) =>
        parts.Select(part => part switch
        {
            byte[] bytes => bytes,
            string text => Encoding.UTF8.GetBytes(text),
            long number => RedisNumbers.FormatInt64(number),
            _ => throw new ArgumentException($"Unsupported argument type {part.GetType().Name}.", nameof(parts)),
        }).ToArray();
}
