using System.Text;
using Lodestone.Engine.Text;

namespace Lodestone.Engine.Tests;

/// <summary>
/// Redis's <c>stringmatchlen</c>, case by case. Expected results were checked against Redis 7.0 with
/// KEYS (case-sensitive) and COMMAND LIST FILTERBY PATTERN (case-insensitive), and a differential run
/// of ~3,000 random patterns over a dozen special bytes agreed with KEYS everywhere. Patterns and
/// texts are Latin-1 strings: each char is one byte.
/// </summary>
public sealed class GlobPatternTests
{
    private static bool Matches(string pattern, string text, bool ignoreCase = false) =>
        GlobPattern.IsMatch(Encoding.Latin1.GetBytes(pattern), Encoding.Latin1.GetBytes(text), ignoreCase);

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("*", "", false)]
    [InlineData("**", "", false)]
    [InlineData("a*", "a", true)]
    [InlineData("a**", "a", true)]
    [InlineData("*a", "ba", true)]
    [InlineData("*a", "ab", false)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXbY", false)]
    [InlineData("h*llo", "hllo", true)]
    [InlineData("h*llo", "heeeello", true)]
    public void Star_matches_any_run_of_bytes_but_not_an_empty_text_on_its_own(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("?", "a", true)]
    [InlineData("?", "", false)]
    [InlineData("?", "ab", false)]
    [InlineData("h?llo", "hello", true)]
    [InlineData("h?llo", "hllo", false)]
    [InlineData("?*", "a", true)]
    public void Question_mark_matches_exactly_one_byte(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("[abc]", "b", true)]
    [InlineData("[abc]", "d", false)]
    [InlineData("[abc]", "", false)]
    [InlineData("[abc]", "ab", false)]
    [InlineData("h[ae]llo", "hallo", true)]
    [InlineData("h[ae]llo", "hillo", false)]
    [InlineData("[^a]", "b", true)]
    [InlineData("[^a]", "a", false)]
    [InlineData("[^abc]", "d", true)]
    [InlineData("[^]", "x", true)]
    [InlineData("[]]", "]", false)]
    [InlineData("[\\]]", "]", true)]
    [InlineData("h[-]", "h-", true)]
    public void A_class_matches_one_of_its_bytes_or_with_a_caret_one_outside_it(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("[a-c]", "b", true)]
    [InlineData("[a-c]", "a", true)]
    [InlineData("[a-c]", "c", true)]
    [InlineData("[a-c]", "d", false)]
    [InlineData("[c-a]", "b", true)]
    [InlineData("[c-a]", "a", true)]
    [InlineData("[c-a]", "d", false)]
    [InlineData("[^a-c]", "d", true)]
    [InlineData("[^a-c]", "b", false)]
    [InlineData("[a-c-]", "-", true)]
    [InlineData("[a-c-]", "b", true)]
    [InlineData("[^a-b]", "c", true)]
    public void A_range_matches_bytes_between_its_ends_in_either_order(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "a", false)]
    [InlineData("\\?", "?", true)]
    [InlineData("\\?", "a", false)]
    [InlineData("h\\*llo", "h*llo", true)]
    [InlineData("h\\*llo", "hello", false)]
    [InlineData("\\[a]", "[a]", true)]
    [InlineData("h\\\\", "h\\", true)]
    [InlineData("h\\", "h\\", true)]
    public void A_backslash_makes_the_next_byte_literal(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("h[e", "he", true)]
    [InlineData("h[e", "hx", false)]
    [InlineData("h[^e", "hx", true)]
    [InlineData("h[^e", "he", false)]
    [InlineData("h[", "h", false)]
    [InlineData("h[", "h[", false)]
    [InlineData("hello[", "hello", false)]
    [InlineData("[\\", "\\", true)]
    [InlineData("h[a-", "h-", true)]
    [InlineData("h[a-", "ha", true)]
    [InlineData("h[a-", "hb", false)]
    [InlineData("h[e-]", "h]", true)]
    [InlineData("h[e-]", "h^", true)]
    [InlineData("h[e-]", "he", true)]
    [InlineData("h[e-]", "hf", false)]
    public void An_unterminated_class_ends_at_the_end_of_the_pattern(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Theory]
    [InlineData("HeLLo", "hello", true)]
    [InlineData("h?LLO", "hello", true)]
    [InlineData("[A-C]", "b", true)]
    [InlineData("[a-c]", "B", true)]
    [InlineData("[G]et", "get", true)]
    [InlineData("[^G]et", "get", false)]
    [InlineData("[^G]et", "set", true)]
    [InlineData("\\G", "g", true)]
    [InlineData("[\\g]et", "get", true)]
    [InlineData("[\\G]et", "get", false)]
    [InlineData("\u00C9", "\u00E9", false)]
    public void Nocase_folds_ascii_letters_except_an_escaped_byte_inside_a_class(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text, ignoreCase: true));
    }

    [Theory]
    [InlineData("HeLLo", "hello")]
    [InlineData("[A-C]", "b")]
    [InlineData("[G]et", "get")]
    public void Without_nocase_case_matters(string pattern, string text)
    {
        Assert.False(Matches(pattern, text));
    }

    [Theory]
    [InlineData("x?y", "x\0y", true)]
    [InlineData("x[\0]y", "x\0y", true)]
    [InlineData("x\0*", "x\0y", true)]
    [InlineData("x*", "x\0y", true)]
    [InlineData("x", "x\0", false)]
    [InlineData("?", "\u00FF", true)]
    [InlineData("*\u00FF", "\u0001\u00FF", true)]
    [InlineData("[\u0080-\u00FE]", "\u0080", true)]
    [InlineData("[\u0080-\u00FE]", "\u00FE", true)]
    [InlineData("[\u0080-\u00FE]", "\u00FF", false)]
    [InlineData("[\u0080-\u00FE]", "b", false)]
    public void Matching_is_binary_safe(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Matches(pattern, text));
    }

    [Fact]
    public void A_range_up_to_a_high_byte_compares_bytes_unsigned_unlike_redis_on_x86()
    {
        // Redis compares C chars, signed on x86: there "[a-\xff]" is the range -1..97 and matches no
        // letter after 'a'. We compare unsigned bytes, as Redis does on ARM.
        Assert.True(Matches("[a-\u00FF]", "b"));
        Assert.True(Matches("[a-\u00FF]", "\u0080"));
        Assert.False(Matches("[a-\u00FF]", "Z"));
    }

    [Fact]
    public void Many_stars_that_cannot_match_give_up_without_exploring_every_split()
    {
        Assert.False(Matches(string.Concat(Enumerable.Repeat("a*", 30)) + "b", new string('a', 200)));
        Assert.True(Matches(string.Concat(Enumerable.Repeat("a*", 30)) + "b", new string('a', 200) + "b"));
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("**", false)]
    [InlineData("", false)]
    [InlineData("a*", false)]
    public void Only_a_lone_star_is_the_match_everything_shortcut(string pattern, bool expected)
    {
        Assert.Equal(expected, GlobPattern.MatchesAll(Encoding.Latin1.GetBytes(pattern)));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(15)]
    public void A_pathological_pattern_costs_steps_linear_in_the_text_not_exponential(int stars)
    {
        var pattern = Encoding.Latin1.GetBytes(string.Concat(Enumerable.Repeat("*a", stars)) + "*b");
        var text = Encoding.Latin1.GetBytes(new string('a', 10_000));
        long steps = 0;

        var matched = GlobPattern.IsMatch(pattern, text, ignoreCase: false, ref steps);

        Assert.False(matched);
        // Without skipLongerMatches this would be on the order of 10,000^stars steps.
        Assert.True(steps <= (stars + 2) * 2L * text.Length, $"{steps} steps");
    }

    [Theory]
    [InlineData("*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p", null)]
    [InlineData("*a*b*c*d*e*f*g*h*i*j*k*l*m*n*o*p*q", "it has 17 '*' wildcards; the limit is 16")]
    [InlineData("**a**b**c**d**e**f**g**h**i**j**k**l**m**n**o**p", null)]
    [InlineData(@"\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*", null)]
    public void Commands_refuse_patterns_with_too_many_stars_counting_a_run_once_and_not_escaped_ones(string pattern, string? refusal) =>
        Assert.Equal(refusal, GlobPattern.Refusal(Encoding.Latin1.GetBytes(pattern)));
}

/// <summary>The compiled matcher accepts exactly what Redis's recursive <c>stringmatchlen</c> accepts.</summary>
public sealed class GlobPatternDifferentialTests
{
    private const string PatternBytes = "ab*?[]^-\\A";
    private const string TextBytes = "ab-]^\\[*?A";

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Random_patterns_and_texts_match_as_they_do_in_redis(int seed, bool ignoreCase)
    {
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var pattern = Random(random, PatternBytes, random.Next(0, 9));
            var text = Random(random, TextBytes, random.Next(0, 9));

            var expected = ReferenceGlob.IsMatch(pattern, text, ignoreCase);

            Assert.True(expected == GlobPattern.IsMatch(pattern, text, ignoreCase),
                $"'{Encoding.Latin1.GetString(pattern)}' against '{Encoding.Latin1.GetString(text)}' (ignore case: {ignoreCase}): Redis says {expected}");
        }
    }

    [Fact]
    public void Long_texts_with_repeated_segments_match_as_they_do_in_redis()
    {
        var random = new Random(4);
        for (var i = 0; i < 3_000; i++)
        {
            var pattern = Random(random, "ab*?", random.Next(1, 12));
            var text = Random(random, "ab", random.Next(20, 200));

            Assert.Equal(ReferenceGlob.IsMatch(pattern, text, ignoreCase: false), GlobPattern.IsMatch(pattern, text));
        }
    }

    private static byte[] Random(Random random, string alphabet, int length) =>
        Enumerable.Range(0, length).Select(_ => (byte)alphabet[random.Next(alphabet.Length)]).ToArray();
}
