namespace EdgeLite;

/// <summary>
/// Maps operator codes to kernels. <see cref="CreateDefault"/> holds every builtin EdgeLite implements;
/// add your own custom operators with <see cref="AddCustom"/> (or replace a builtin with <see cref="AddBuiltin(int, Func{OpKernel})"/>).
/// </summary>
public sealed class OpResolver
{
    private readonly Dictionary<int, Func<OpKernel>> _builtins = new();
    private readonly Dictionary<string, Func<OpKernel>> _customs = new(StringComparer.Ordinal);

    /// <summary>A resolver with all of EdgeLite's builtin kernels.</summary>
    public static OpResolver CreateDefault()
    {
        var r = new OpResolver();
        Kernels.BuiltinKernels.Register(r);
        return r;
    }

    /// <summary>Registers (or replaces) the kernel of a builtin operator code (see TFLite's <c>BuiltinOperator</c>).</summary>
    public OpResolver AddBuiltin(int builtinCode, Func<OpKernel> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _builtins[builtinCode] = factory;
        return this;
    }

    internal OpResolver AddBuiltin(Schema.BuiltinOperator op, Func<OpKernel> factory) => AddBuiltin((int)op, factory);

    /// <summary>Registers (or replaces) the kernel of a custom operator by its custom code.</summary>
    public OpResolver AddCustom(string customCode, Func<OpKernel> factory)
    {
        ArgumentNullException.ThrowIfNull(customCode);
        ArgumentNullException.ThrowIfNull(factory);
        _customs[customCode] = factory;
        return this;
    }

    /// <summary>True when the operator can be created.</summary>
    public bool CanResolve(OperatorCodeDescription code) =>
        code.CustomCode != null ? _customs.ContainsKey(code.CustomCode) : _builtins.ContainsKey(code.BuiltinCode);

    /// <summary>The builtin operator codes with a kernel.</summary>
    internal IEnumerable<int> BuiltinCodes => _builtins.Keys;

    /// <summary>The custom codes with a kernel.</summary>
    internal IEnumerable<string> CustomCodes => _customs.Keys;

    internal OpKernel? Create(OperatorDescription op) =>
        op.CustomCode != null
            ? (_customs.TryGetValue(op.CustomCode, out var c) ? c() : null)
            : (_builtins.TryGetValue(op.BuiltinCode, out var b) ? b() : null);
}
