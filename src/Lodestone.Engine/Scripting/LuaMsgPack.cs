using System.Buffers;
using System.Buffers.Binary;
using KeraLua;

namespace Lodestone.Engine.Scripting;

/// <summary>
/// Redis's cmsgpack library for scripts (lua-cmsgpack's encoding): <c>cmsgpack.pack(v1, v2, …)</c>
/// concatenates the values' MessagePack encodings, <c>cmsgpack.unpack(bytes)</c> returns every value
/// they hold. Host functions: they return an error text rather than raise (see <see cref="ScriptRuntime"/>).
/// </summary>
internal static class LuaMsgPack
{
    // lua-cmsgpack encodes tables nested deeper than this as nil.
    private const int MaxNesting = 16;

    /// <summary>cmsgpack.pack(values...).</summary>
    public static string? Pack(Lua lua)
    {
        var count = lua.GetTop();
        if (count == 0)
            return "ERR MessagePack pack needs input.";
        var output = new ArrayBufferWriter<byte>(64);
        for (var i = 1; i <= count; i++)
            Write(lua, i, output, 0);
        lua.PushBuffer(output.WrittenSpan.ToArray());
        return null;
    }

    private static void Write(Lua lua, int index, ArrayBufferWriter<byte> output, int depth)
    {
        switch (lua.Type(index))
        {
            case LuaType.Boolean:
                Byte(output, lua.ToBoolean(index) ? (byte)0xc3 : (byte)0xc2);
                break;
            case LuaType.Number:
                if (lua.IsInteger(index))
                    Integer(output, lua.ToInteger(index));
                else
                    Number(output, lua.ToNumber(index));
                break;
            case LuaType.String:
                Str(output, lua.ToBuffer(index, false));
                break;
            case LuaType.Table when depth < MaxNesting && lua.CheckStack(4):
                Table(lua, lua.AbsIndex(index), output, depth + 1);
                break;
            default:
                Byte(output, 0xc0);
                break;
        }
    }

    private static void Table(Lua lua, int table, ArrayBufferWriter<byte> output, int depth)
    {
        long count = 0, max = 0;
        var array = true;
        lua.PushNil();
        while (lua.Next(table))
        {
            count++;
            if (array && lua.IsInteger(-2) && lua.ToInteger(-2) is var k and > 0)
                max = Math.Max(max, k);
            else
                array = false;
            lua.Pop(1);
        }
        if (array && max == count)
        {
            Header(output, count, 0x90, 15, 0xdc, 0xdd);
            for (long i = 1; i <= count; i++)
            {
                lua.RawGetInteger(table, i);
                Write(lua, -1, output, depth);
                lua.Pop(1);
            }
            return;
        }
        Header(output, count, 0x80, 15, 0xde, 0xdf);
        lua.PushNil();
        while (lua.Next(table))
        {
            Write(lua, -2, output, depth);
            Write(lua, -1, output, depth);
            lua.Pop(1);
        }
    }

    private static void Header(ArrayBufferWriter<byte> output, long count, byte fix, int fixMax, byte sixteen, byte thirtyTwo)
    {
        if (count <= fixMax)
            Byte(output, (byte)(fix | count));
        else if (count <= ushort.MaxValue)
        {
            Byte(output, sixteen);
            BinaryPrimitives.WriteUInt16BigEndian(output.GetSpan(2), (ushort)count);
            output.Advance(2);
        }
        else
        {
            Byte(output, thirtyTwo);
            BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), (uint)count);
            output.Advance(4);
        }
    }

    private static void Number(ArrayBufferWriter<byte> output, double value)
    {
        // Lua 5.1 had no integers: lua-cmsgpack writes an integral number as one.
        if (Math.Truncate(value) == value && value is >= -9.2233720368547758e18 and < 9.2233720368547758e18)
        {
            Integer(output, (long)value);
            return;
        }
        if ((double)(float)value == value)
        {
            Byte(output, 0xca);
            BinaryPrimitives.WriteSingleBigEndian(output.GetSpan(4), (float)value);
            output.Advance(4);
            return;
        }
        Byte(output, 0xcb);
        BinaryPrimitives.WriteDoubleBigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void Integer(ArrayBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(9);
        int size;
        if (value >= 0)
        {
            if (value <= 127) { span[0] = (byte)value; size = 1; }
            else if (value <= byte.MaxValue) { span[0] = 0xcc; span[1] = (byte)value; size = 2; }
            else if (value <= ushort.MaxValue) { span[0] = 0xcd; BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value); size = 3; }
            else if (value <= uint.MaxValue) { span[0] = 0xce; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value); size = 5; }
            else { span[0] = 0xcf; BinaryPrimitives.WriteUInt64BigEndian(span[1..], (ulong)value); size = 9; }
        }
        else
        {
            if (value >= -32) { span[0] = (byte)(sbyte)value; size = 1; }
            else if (value >= sbyte.MinValue) { span[0] = 0xd0; span[1] = (byte)(sbyte)value; size = 2; }
            else if (value >= short.MinValue) { span[0] = 0xd1; BinaryPrimitives.WriteInt16BigEndian(span[1..], (short)value); size = 3; }
            else if (value >= int.MinValue) { span[0] = 0xd2; BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)value); size = 5; }
            else { span[0] = 0xd3; BinaryPrimitives.WriteInt64BigEndian(span[1..], value); size = 9; }
        }
        output.Advance(size);
    }

    private static void Str(ArrayBufferWriter<byte> output, byte[] bytes)
    {
        if (bytes.Length < 32)
            Byte(output, (byte)(0xa0 | bytes.Length));
        else if (bytes.Length <= byte.MaxValue)
        {
            Byte(output, 0xd9);
            Byte(output, (byte)bytes.Length);
        }
        else
            Header(output, bytes.Length, 0, -1, 0xda, 0xdb);
        output.Write(bytes);
    }

    private static void Byte(ArrayBufferWriter<byte> output, byte value) => output.Write([value]);

    /// <summary>cmsgpack.unpack(bytes): every value the bytes hold, in order, as a table with <c>n</c> (the Lua wrapper unpacks it: values may be nil).</summary>
    public static string? Unpack(Lua lua)
    {
        if (lua.GetTop() != 1 || lua.Type(1) != LuaType.String)
            return "ERR MessagePack unpack needs a string.";
        var data = lua.ToBuffer(1, false);
        var position = 0;
        var count = 0;
        lua.NewTable();
        while (position < data.Length)
        {
            if (Read(lua, data, ref position, 0) is { } failed)
                return failed;
            lua.RawSetInteger(2, ++count);
        }
        lua.PushString("n");
        lua.PushInteger(count);
        lua.RawSet(2);
        return null;
    }

    private static string? Read(Lua lua, byte[] data, ref int position, int depth)
    {
        if (depth > 1000 || !lua.CheckStack(4))
            return "ERR Bad data format in input.";
        if (position >= data.Length)
            return "ERR Missing bytes in input.";
        var type = data[position++];
        var rest = data.Length - position;
        ReadOnlySpan<byte> at = data.AsSpan(position);
        switch (type)
        {
            case <= 0x7f: lua.PushInteger(type); return null;
            case >= 0xe0: lua.PushInteger((sbyte)type); return null;
            case 0xc0: lua.PushNil(); return null;
            case 0xc2: lua.PushBoolean(false); return null;
            case 0xc3: lua.PushBoolean(true); return null;
            case >= 0xa0 and <= 0xbf: return Bytes(lua, data, ref position, type & 0x1f);
            case >= 0x90 and <= 0x9f: return Array(lua, data, ref position, type & 0x0f, depth);
            case >= 0x80 and <= 0x8f: return Map(lua, data, ref position, type & 0x0f, depth);
        }
        var size = type switch
        {
            0xcc or 0xd0 or 0xd9 or 0xc4 => 1,
            0xcd or 0xd1 or 0xda or 0xc5 or 0xdc or 0xde => 2,
            0xce or 0xd2 or 0xca or 0xdb or 0xc6 or 0xdd or 0xdf => 4,
            0xcf or 0xd3 or 0xcb => 8,
            _ => -1,
        };
        if (size < 0)
            return "ERR Bad data format in input.";
        if (rest < size)
            return "ERR Missing bytes in input.";
        position += size;
        switch (type)
        {
            case 0xcc: lua.PushInteger(at[0]); return null;
            case 0xcd: lua.PushInteger(BinaryPrimitives.ReadUInt16BigEndian(at)); return null;
            case 0xce: lua.PushInteger(BinaryPrimitives.ReadUInt32BigEndian(at)); return null;
            case 0xcf: lua.PushInteger((long)BinaryPrimitives.ReadUInt64BigEndian(at)); return null;
            case 0xd0: lua.PushInteger((sbyte)at[0]); return null;
            case 0xd1: lua.PushInteger(BinaryPrimitives.ReadInt16BigEndian(at)); return null;
            case 0xd2: lua.PushInteger(BinaryPrimitives.ReadInt32BigEndian(at)); return null;
            case 0xd3: lua.PushInteger(BinaryPrimitives.ReadInt64BigEndian(at)); return null;
            case 0xca: lua.PushNumber(BinaryPrimitives.ReadSingleBigEndian(at)); return null;
            case 0xcb: lua.PushNumber(BinaryPrimitives.ReadDoubleBigEndian(at)); return null;
            case 0xd9 or 0xc4: return Bytes(lua, data, ref position, at[0]);
            case 0xda or 0xc5: return Bytes(lua, data, ref position, BinaryPrimitives.ReadUInt16BigEndian(at));
            case 0xdb or 0xc6: return Bytes(lua, data, ref position, Length(BinaryPrimitives.ReadUInt32BigEndian(at)));
            case 0xdc: return Array(lua, data, ref position, BinaryPrimitives.ReadUInt16BigEndian(at), depth);
            case 0xdd: return Array(lua, data, ref position, Length(BinaryPrimitives.ReadUInt32BigEndian(at)), depth);
            case 0xde: return Map(lua, data, ref position, BinaryPrimitives.ReadUInt16BigEndian(at), depth);
            default: return Map(lua, data, ref position, Length(BinaryPrimitives.ReadUInt32BigEndian(at)), depth);
        }
    }

    private static int Length(uint length) => length > int.MaxValue ? int.MaxValue : (int)length;

    private static string? Bytes(Lua lua, byte[] data, ref int position, int length)
    {
        if (data.Length - position < length)
            return "ERR Missing bytes in input.";
        lua.PushBuffer(data.AsSpan(position, length).ToArray());
        position += length;
        return null;
    }

    private static string? Array(Lua lua, byte[] data, ref int position, int count, int depth)
    {
        // Each element takes at least one byte: a count beyond what is left is bad input, not a huge table.
        if (count > data.Length - position)
            return "ERR Missing bytes in input.";
        lua.CreateTable(count, 0);
        for (var i = 1; i <= count; i++)
        {
            if (Read(lua, data, ref position, depth + 1) is { } failed)
                return failed;
            lua.RawSetInteger(-2, i);
        }
        return null;
    }

    private static string? Map(Lua lua, byte[] data, ref int position, int count, int depth)
    {
        if (count > (data.Length - position) / 2)
            return "ERR Missing bytes in input.";
        lua.CreateTable(0, count);
        for (var i = 0; i < count; i++)
        {
            if (Read(lua, data, ref position, depth + 1) is { } key)
                return key;
            if (Read(lua, data, ref position, depth + 1) is { } value)
                return value;
            if (lua.Type(-2) == LuaType.Nil)
                lua.Pop(2);
            else
                lua.RawSet(-3);
        }
        return null;
    }
}
