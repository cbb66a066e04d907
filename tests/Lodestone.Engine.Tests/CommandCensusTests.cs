using System.Text;
using Lodestone.Engine.Commands;

namespace Lodestone.Engine.Tests;

/// <summary>docs/api.md's list of commands by group is the command table's: a command added or removed without it fails here.</summary>
public sealed class CommandCensusTests
{
    private const string Start = "<!-- commands:start -->";
    private const string End = "<!-- commands:end -->";

    /// <summary>Redis's group names in the order its documentation lists them; Lodestone's own groups last.</summary>
    private static readonly string[] Order =
        ["string", "bitmap", "list", "set", "sorted-set", "hash", "hyperloglog", "geo", "stream", "pubsub", "scripting", "generic", "connection", "server", "lock", "ratelimit"];

    [Fact]
    public void Docs_api_md_lists_every_command_of_the_table_by_group()
    {
        var path = Path.Combine(Root(), "docs", "api.md");
        var text = File.ReadAllText(path);
        var from = text.IndexOf(Start, StringComparison.Ordinal);
        var to = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"docs/api.md has no {Start} … {End} section.");
        var listed = text[(from + Start.Length)..to].Trim();

        var expected = Census();
        Assert.True(listed == expected, "docs/api.md's command list is out of date; it should read:\n" + expected);
    }

    private static string Census()
    {
        var groups = CommandTable.Default.All.GroupBy(spec => spec.Group).ToDictionary(group => group.Key, group => group.Select(spec => spec.Name).Order(StringComparer.Ordinal).ToList());
        Assert.Empty(groups.Keys.Except(Order));
        var text = new StringBuilder();
        text.Append("| Group | Commands | |\n|---|---:|---|\n");
        foreach (var group in Order.Where(groups.ContainsKey))
            text.Append($"| {group} | {groups[group].Count} | {string.Join(' ', groups[group].Select(name => $"`{name}`"))} |\n");
        text.Append($"| **all** | **{CommandTable.Default.Count}** | |");
        return text.ToString();
    }

    private static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Api.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("No Api.sln above the test's directory.");
    }
}
