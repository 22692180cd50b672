using System.Buffers.Binary;

namespace EdgeLite;

/// <summary>
/// The zip archive of associated files that TFLite's metadata writer appends after a model's flatbuffer (labels,
/// vocabularies). Python's zipfile, which writes it, records offsets from the start of the whole file; EdgeLite keeps
/// the archive normalized (offsets from its own first byte) and rebases it to where it is written.
/// </summary>
internal static class AppendedZip
{
    private const int EocdSize = 22, CentralHeaderSize = 46;

    /// <summary>
    /// The archive at the end of <paramref name="file"/>, normalized, or null when the file does not end with a
    /// consistent zip archive that starts at or after <paramref name="notBefore"/> (the end of the flatbuffer's data).
    /// </summary>
    public static byte[]? Extract(ReadOnlySpan<byte> file, long notBefore)
    {
        if (!TryFindEnd(file, out int eocd)) return null;
        // The file offset that the archive's offsets count from.
        long origin = eocd - (long)BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 12)..]) - BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 16)..]);
        if (origin < 0) return null;
        ushort entries = BinaryPrimitives.ReadUInt16LittleEndian(file[(eocd + 10)..]);
        uint cdSize = BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 12)..]);
        long cd = eocd - (long)cdSize;
        // The first byte of the archive: the lowest local header offset of its entries (or the central directory).
        long first = cd;
        int p = (int)cd;
        for (int i = 0; i < entries; i++)
        {
            if (p + CentralHeaderSize > eocd || BinaryPrimitives.ReadUInt32LittleEndian(file[p..]) != 0x02014b50) return null;
            uint local = BinaryPrimitives.ReadUInt32LittleEndian(file[(p + 42)..]);
            if (local == uint.MaxValue) return null; // zip64
            first = Math.Min(first, origin + local);
            p += CentralHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(file[(p + 28)..])
                 + BinaryPrimitives.ReadUInt16LittleEndian(file[(p + 30)..]) + BinaryPrimitives.ReadUInt16LittleEndian(file[(p + 32)..]);
        }
        if (first < notBefore || first < 0 || first > file.Length - 4) return null;
        if (entries > 0 && BinaryPrimitives.ReadUInt32LittleEndian(file[(int)first..]) != 0x04034b50) return null;
        var archive = file[(int)first..].ToArray();
        return Rebase(archive, origin - first) ? archive : null;
    }

    /// <summary>A copy of a normalized archive whose offsets are from the start of a file where it begins at <paramref name="position"/>.</summary>
    public static byte[] ForPosition(byte[] normalized, long position)
    {
        var copy = (byte[])normalized.Clone();
        if (!Rebase(copy, position)) throw new InvalidOperationException("the appended archive is not a consistent zip archive");
        return copy;
    }

    // Finds the end-of-central-directory record (in the last 64 KiB + 22 bytes).
    private static bool TryFindEnd(ReadOnlySpan<byte> file, out int eocd)
    {
        int from = Math.Max(0, file.Length - 65_557);
        eocd = file[from..].LastIndexOf("PK\u0005\u0006"u8);
        if (eocd < 0) return false;
        eocd += from;
        if (eocd + EocdSize > file.Length) return false;
        uint cdSize = BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 12)..]);
        uint cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[(eocd + 16)..]);
        return cdOffset != uint.MaxValue && cdSize <= (uint)eocd;
    }

    // Adds delta to every offset in the archive (each entry's local header offset and the central directory's).
    private static bool Rebase(byte[] a, long delta)
    {
        var s = a.AsSpan();
        if (!TryFindEnd(s, out int eocd)) return false;
        ushort entries = BinaryPrimitives.ReadUInt16LittleEndian(s[(eocd + 10)..]);
        uint cdSize = BinaryPrimitives.ReadUInt32LittleEndian(s[(eocd + 12)..]);
        int p = eocd - (int)cdSize;
        for (int i = 0; i < entries; i++)
        {
            if (p < 0 || p + CentralHeaderSize > eocd || BinaryPrimitives.ReadUInt32LittleEndian(s[p..]) != 0x02014b50) return false;
            long local = BinaryPrimitives.ReadUInt32LittleEndian(s[(p + 42)..]) + delta;
            if (local < 0 || local > uint.MaxValue - 1) return false;
            BinaryPrimitives.WriteUInt32LittleEndian(s[(p + 42)..], (uint)local);
            p += CentralHeaderSize + BinaryPrimitives.ReadUInt16LittleEndian(s[(p + 28)..])
                 + BinaryPrimitives.ReadUInt16LittleEndian(s[(p + 30)..]) + BinaryPrimitives.ReadUInt16LittleEndian(s[(p + 32)..]);
        }
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(s[(eocd + 16)..]) + delta;
        if (cdOffset < 0 || cdOffset > uint.MaxValue - 1) return false;
        BinaryPrimitives.WriteUInt32LittleEndian(s[(eocd + 16)..], (uint)cdOffset);
        return true;
    }
}
