namespace Lodestone.Engine.Types;

/// <summary>
/// What every stored value can do, whatever its type: report its element count and its estimated
/// size, and make an independent deep copy (COPY). Adding a type means implementing this in its own file.
/// </summary>
internal interface IValue
{
    /// <summary>Elements for a collection (a key whose collection is empty must not exist); bytes for a string.</summary>
    long Length { get; }

    /// <summary>
    /// The value's estimated size in bytes (<see cref="Keyspace.MemoryModel"/>): O(1), because every
    /// value keeps its own count current as it changes.
    /// </summary>
    long EstimatedBytes { get; }

    /// <summary>A copy sharing nothing mutable with this value.</summary>
    IValue DeepCopy();
}
