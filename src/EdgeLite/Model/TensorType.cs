namespace EdgeLite;

/// <summary>Element type of a tensor, with the same numeric values as TFLite's <c>TensorType</c>.</summary>
public enum TensorType : sbyte
{
    /// <summary>32-bit IEEE float.</summary>
    Float32 = 0,
    /// <summary>16-bit IEEE half float.</summary>
    Float16 = 1,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 2,
    /// <summary>8-bit unsigned integer (asymmetric quantized or raw bytes).</summary>
    UInt8 = 3,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 4,
    /// <summary>TFLite string tensor (variable length).</summary>
    String = 5,
    /// <summary>Boolean stored as one byte.</summary>
    Bool = 6,
    /// <summary>16-bit signed integer.</summary>
    Int16 = 7,
    /// <summary>Complex of two float32.</summary>
    Complex64 = 8,
    /// <summary>8-bit signed integer.</summary>
    Int8 = 9,
    /// <summary>64-bit IEEE float.</summary>
    Float64 = 10,
    /// <summary>Complex of two float64.</summary>
    Complex128 = 11,
    /// <summary>64-bit unsigned integer.</summary>
    UInt64 = 12,
    /// <summary>Resource handle.</summary>
    Resource = 13,
    /// <summary>Variant.</summary>
    Variant = 14,
    /// <summary>32-bit unsigned integer.</summary>
    UInt32 = 15,
    /// <summary>16-bit unsigned integer.</summary>
    UInt16 = 16,
    /// <summary>4-bit signed integer, packed two per byte.</summary>
    Int4 = 17,
    /// <summary>bfloat16.</summary>
    BFloat16 = 18,
}

/// <summary>Helpers on <see cref="TensorType"/>.</summary>
public static class TensorTypeExtensions
{
    /// <summary>Size in bytes of one element, or 0 when the type has no fixed element size (string, resource, variant, int4).</summary>
    public static int ElementSize(this TensorType type) => type switch
    {
        TensorType.Float32 or TensorType.Int32 or TensorType.UInt32 => 4,
        TensorType.Float16 or TensorType.Int16 or TensorType.UInt16 or TensorType.BFloat16 => 2,
        TensorType.UInt8 or TensorType.Int8 or TensorType.Bool => 1,
        TensorType.Int64 or TensorType.UInt64 or TensorType.Float64 or TensorType.Complex64 => 8,
        TensorType.Complex128 => 16,
        _ => 0,
    };

    /// <summary>The lower-case name used by TFLite's Python API and the reference tool (e.g. <c>float32</c>, <c>uint8</c>).</summary>
    public static string ToDTypeName(this TensorType type) => type switch
    {
        TensorType.Float32 => "float32",
        TensorType.Float16 => "float16",
        TensorType.Int32 => "int32",
        TensorType.UInt8 => "uint8",
        TensorType.Int64 => "int64",
        TensorType.String => "string",
        TensorType.Bool => "bool",
        TensorType.Int16 => "int16",
        TensorType.Complex64 => "complex64",
        TensorType.Int8 => "int8",
        TensorType.Float64 => "float64",
        TensorType.Complex128 => "complex128",
        TensorType.UInt64 => "uint64",
        TensorType.Resource => "resource",
        TensorType.Variant => "variant",
        TensorType.UInt32 => "uint32",
        TensorType.UInt16 => "uint16",
        TensorType.Int4 => "int4",
        TensorType.BFloat16 => "bfloat16",
        _ => "unknown",
    };

    internal static bool IsKnown(TensorType type) => type >= TensorType.Float32 && type <= TensorType.BFloat16;
}
