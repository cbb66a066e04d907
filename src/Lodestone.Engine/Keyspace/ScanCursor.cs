namespace Lodestone.Engine.Keyspace;

/// <summary>
/// The SCAN cursor of Redis's dict.c (Pieter Noordhuis's reverse-binary iteration): bucket indexes are
/// visited in an order in which a table that doubles or halves between calls still yields every
/// element present for the whole iteration at least once.
/// </summary>
internal static class ScanCursor
{
    /// <summary>The cursor after visiting bucket <c>cursor &amp; mask</c>; 0 when the iteration is complete.</summary>
    public static ulong Next(ulong cursor, ulong mask)
    {
        // Increment the reversed cursor: set the bits above the mask so the carry runs past them.
        cursor |= ~mask;
        cursor = ReverseBits(cursor);
        cursor++;
        return ReverseBits(cursor);
    }

    private static ulong ReverseBits(ulong v)
    {
        v = ((v >> 1) & 0x5555555555555555UL) | ((v & 0x5555555555555555UL) << 1);
        v = ((v >> 2) & 0x3333333333333333UL) | ((v & 0x3333333333333333UL) << 2);
        v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FUL) | ((v & 0x0F0F0F0F0F0F0F0FUL) << 4);
        v = ((v >> 8) & 0x00FF00FF00FF00FFUL) | ((v & 0x00FF00FF00FF00FFUL) << 8);
        v = ((v >> 16) & 0x0000FFFF0000FFFFUL) | ((v & 0x0000FFFF0000FFFFUL) << 16);
        return (v >> 32) | (v << 32);
    }
}
