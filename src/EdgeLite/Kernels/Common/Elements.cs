namespace EdgeLite.Kernels;

/// <summary>Helpers shared by the data-movement kernels.</summary>
internal static class Elements
{
    /// <summary>Element size of a tensor whose bytes a data-movement kernel copies; rejects types without a fixed size.</summary>
    public static int CopyableSize(KernelContext context, Tensor t)
    {
        int e = t.ElementSize;
        if (e == 0) throw context.Unsupported($"type {t.Type.ToDTypeName()}");
        return e;
    }
}
