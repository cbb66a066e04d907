using System.Globalization;
using System.Text;
using Lodestone.Engine.Execution;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Every key, type, expiry instant and value of a keyspace as one text, read through commands — so
/// two engines (say, one restarted from disk) can be compared for exact equality.
/// </summary>
public static class KeyspaceDigest
{
    /// <param name="withVersions">Each key's version (its ETag) too.</param>
    public static async Task<string> OfAsync(Executor executor, bool withVersions = false)
    {
        async Task<Reply> Run(params string[] args) => await executor.ExecuteAsync(args.Select(Encoding.UTF8.GetBytes).ToArray());
        static string Text(Reply reply) => reply.Kind switch
        {
            ReplyKind.Null => "(nil)",
            ReplyKind.Bulk => Encoding.UTF8.GetString(reply.AsBulk().Span),
            ReplyKind.Double => reply.AsDouble().ToString("R", CultureInfo.InvariantCulture),
            ReplyKind.Integer => reply.AsInteger().ToString(CultureInfo.InvariantCulture),
            ReplyKind.SimpleString => reply.AsSimple(),
            _ => "[" + string.Join(",", reply.AsItems().Select(Text)) + "]",
        };

        var keys = (await Run("KEYS", "*")).AsItems().Select(Text).Order(StringComparer.Ordinal).ToList();
        var digest = new StringBuilder();
        foreach (var key in keys)
        {
            var type = (await Run("TYPE", key)).AsSimple();
            var expiry = (await Run("PEXPIRETIME", key)).AsInteger();
            var value = type switch
            {
                "string" => Text(await Run("GET", key)),
                "list" => Text(await Run("LRANGE", key, "0", "-1")),
                "set" => string.Join(",", (await Run("SMEMBERS", key)).AsItems().Select(Text).Order(StringComparer.Ordinal)),
                "hash" => string.Join(",", (await Run("HGETALL", key)).AsItems().Select(Text).Chunk(2).Select(p => $"{p[0]}={p[1]}").Order(StringComparer.Ordinal)),
                "zset" => Text(await Run("ZRANGE", key, "0", "-1", "WITHSCORES")),
                // Holder, latest token and lease expiry (not the remaining time, which moves).
                "stream" => Text(await Run("DEBUG", "DIGEST-VALUE", key)),
                "lock" => string.Join(",", (await Run("LOCK.INFO", key)).AsItems().Where((_, i) => i is 3 or 5 or 7).Select(Text)),
                _ => "?",
            };
            digest.Append(key).Append('|').Append(type).Append('|').Append(expiry).Append('|').Append(value);
            if (withVersions)
                digest.Append("|v").Append(await VersionAsync(executor, key));
            digest.Append('\n');
        }
        return digest.ToString();
    }

    /// <summary>A key's version as callers see it (the ETag), or 0 when it does not exist.</summary>
    public static async Task<long> VersionAsync(Executor executor, string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return (await executor.ExecuteAsync(new CommandRequest(["TYPE"u8.ToArray(), bytes], bytes))).After.Version;
    }
}
