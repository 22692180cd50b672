using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Google.FlatBuffers;
using Fb = EdgeLite.Schema;
using FbModel = EdgeLite.Schema.Model;

namespace EdgeLite;

/// <summary>
/// A TensorFlow Lite model (flatbuffer schema v3), verified before use. Constant tensor data (the weights)
/// stays where it was loaded: in the memory-mapped file for <see cref="FromFile"/>, in the caller's array for
/// <see cref="FromBytes"/>. The model is immutable and can be shared by several interpreters.
/// <para>
/// Every <see cref="Interpreter"/> holds a reference on the model's data: <see cref="Dispose"/> releases the model's
/// own reference, and the memory map (or pinned array) is released when the last interpreter using it is disposed too,
/// so disposing the model before its interpreters is safe (they keep running). After Dispose the model's own data
/// accessors (<see cref="GetBuffer"/>, <see cref="GetFileBytes"/>, <see cref="GetMetadata"/>) and creating new
/// interpreters throw <see cref="ObjectDisposedException"/>.
/// </para>
/// </summary>
public sealed unsafe class Model : IDisposable
{
    /// <summary>Largest tensor EdgeLite accepts, in bytes (guards against absurd shapes in untrusted files).</summary>
    public const long MaxTensorBytes = int.MaxValue;

    // Flatbuffer structure (tables, vectors, strings). For a memory-mapped file this array holds only the
    // structure: the payload of the model's buffers is never copied into it and is read from the mapping.
    private readonly ByteBuffer _bb;
    private readonly FbModel _fb;

    /// <summary>The sparsity parameters of a tensor of the main subgraph (verified flatbuffer), or null.</summary>
    internal Schema.SparsityParameters? SparsityOf(int subgraph, int tensorIndex) => _fb.Subgraphs(subgraph)!.Value.Tensors(tensorIndex)!.Value.Sparsity;
    private readonly byte* _base;          // start of the bytes that buffer payload offsets are relative to
    private readonly long _length;
    private readonly (long Offset, long Length)[] _buffers;
    private MemoryMappedFile? _mmf;
    private MemoryMappedViewAccessor? _view;
    private GCHandle _pin;
    // References on the mapping: 1 for the model itself (released by Dispose) + 1 per live interpreter.
    private int _refs = 1;
    private int _disposed;

    private Model(byte[] structure, byte* payloadBase, long length, MemoryMappedFile? mmf, MemoryMappedViewAccessor? view, GCHandle pin, (long, long)[] buffers)
    {
        try
        {
            _bb = new ByteBuffer(structure);
            _fb = FbModel.GetRootAsModel(_bb);
            _base = payloadBase; _length = length; _mmf = mmf; _view = view; _pin = pin; _buffers = buffers;
            (Version, Description, OperatorCodes, Subgraphs, Signatures, Metadata) = ReadDescription();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidOperationException or OverflowException or ArgumentException)
        {
            // The verifier passed but an accessor still read out of bounds: the file is malformed all the same.
            throw new ModelFormatException("malformed flatbuffer: " + e.Message, e);
        }
    }

    private (uint, string?, OperatorCodeDescription[], SubgraphDescription[], SignatureDescription[], MetadataEntry[]) ReadDescription()
    {
        var codes = new OperatorCodeDescription[_fb.OperatorCodesLength];
        for (int i = 0; i < codes.Length; i++)
        {
            var c = _fb.OperatorCodes(i)!.Value;
            int code = Math.Max((int)c.DeprecatedBuiltinCode, (int)c.BuiltinCode);
            string? custom = code == (int)Fb.BuiltinOperator.CUSTOM ? (c.CustomCode ?? "") : null;
            codes[i] = new OperatorCodeDescription(custom ?? BuiltinName(code), code, custom, c.Version);
        }
        var subgraphs = new SubgraphDescription[_fb.SubgraphsLength];
        for (int s = 0; s < subgraphs.Length; s++) subgraphs[s] = ReadSubgraph(s, _fb.Subgraphs(s)!.Value, codes);
        var sigs = new SignatureDescription[_fb.SignatureDefsLength];
        for (int i = 0; i < sigs.Length; i++)
        {
            var sd = _fb.SignatureDefs(i)!.Value;
            var ins = new SignatureTensor[sd.InputsLength];
            for (int k = 0; k < ins.Length; k++) { var m = sd.Inputs(k)!.Value; ins[k] = new SignatureTensor(m.Name ?? "", (int)m.TensorIndex); }
            var outs = new SignatureTensor[sd.OutputsLength];
            for (int k = 0; k < outs.Length; k++) { var m = sd.Outputs(k)!.Value; outs[k] = new SignatureTensor(m.Name ?? "", (int)m.TensorIndex); }
            sigs[i] = new SignatureDescription(sd.SignatureKey ?? "", (int)sd.SubgraphIndex, ins, outs);
        }
        var meta = new MetadataEntry[_fb.MetadataLength];
        for (int i = 0; i < meta.Length; i++) { var m = _fb.Metadata(i)!.Value; meta[i] = new MetadataEntry(m.Name ?? "", (int)m.Buffer); }
        return (_fb.Version, _fb.Description, codes, subgraphs, sigs, meta);
    }

    /// <summary>Schema version of the file (3 for every current TFLite model).</summary>
    public uint Version { get; }
    /// <summary>Free-text description written by the converter, if any.</summary>
    public string? Description { get; }
    /// <summary>Operator codes (builtin or custom) used by the operators.</summary>
    public IReadOnlyList<OperatorCodeDescription> OperatorCodes { get; }
    /// <summary>Subgraphs; subgraph 0 is the main graph.</summary>
    public IReadOnlyList<SubgraphDescription> Subgraphs { get; }
    /// <summary>Signature defs.</summary>
    public IReadOnlyList<SignatureDescription> Signatures { get; }
    /// <summary>Metadata entries (name and buffer).</summary>
    public IReadOnlyList<MetadataEntry> Metadata { get; }
    /// <summary>Size of the model in bytes.</summary>
    public long SizeBytes => _length;
    /// <summary>Number of buffers in the model.</summary>
    public int BufferCount => _buffers.Length;

    /// <summary>The main subgraph.</summary>
    public SubgraphDescription MainSubgraph => Subgraphs[0];

    /// <summary>Loads and verifies a model from a file, memory-mapping it (weights are not copied).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid TFLite model.</exception>
    public static Model FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        // A symbolic link's FileInfo describes the link itself (its Length is the target path's length): map what
        // it finally points to. (MemoryMappedFile follows links when it opens the path.)
        var info = new FileInfo(path);
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            if (!target.Exists) throw new FileNotFoundException($"model file not found: {path} links to {target.FullName}, which does not exist", path);
            info = target;
        }
        long length = info.Length;
        if (length < 8) throw new ModelFormatException($"{path}: file too small to be a TFLite model ({length} bytes)");
        if (length > int.MaxValue) throw new ModelFormatException($"{path}: models over 2 GiB are not supported ({length} bytes)");
        var mmf = MemoryMappedFile.CreateFromFile(info.FullName, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        bool ok = false;
        try
        {
            view = mmf.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            p += view.PointerOffset;
            // Verify and locate payloads on a transient copy, then keep only the structure.
            var full = GC.AllocateUninitializedArray<byte>((int)length);
            new ReadOnlySpan<byte>(p, (int)length).CopyTo(full);
            var buffers = VerifyAndLocateBuffers(full, length);
            var structure = BuildStructureOnly(full, buffers, p, length);
            var model = new Model(structure, p, length, mmf, view, default, buffers);
            model.Validate();
            ok = true;
            return model;
        }
        finally
        {
            if (!ok)
            {
                if (view != null) { view.SafeMemoryMappedViewHandle.ReleasePointer(); view.Dispose(); }
                mmf.Dispose();
            }
        }
    }

    /// <summary>
    /// A copy of a model file whose first graph output is the first output of operator <paramref name="operatorIndex"/>
    /// of the main subgraph, so any runtime can be asked for that intermediate tensor (to find the first operator where
    /// two runtimes differ). The rest of the file is unchanged; the model is verified first.
    /// </summary>
    /// <exception cref="ModelFormatException">The bytes are not a valid model.</exception>
    /// <exception cref="ArgumentOutOfRangeException">No such operator.</exception>
    public static byte[] WithOperatorOutputExposed(byte[] data, int operatorIndex)
    {
        ArgumentNullException.ThrowIfNull(data);
        using (var check = FromBytes(data))
        {
            if ((uint)operatorIndex >= (uint)check.MainSubgraph.Operators.Count)
                throw new ArgumentOutOfRangeException(nameof(operatorIndex), $"the model has {check.MainSubgraph.Operators.Count} operators");
            if (check.MainSubgraph.Operators[operatorIndex].OutputArray.Length == 0 || check.MainSubgraph.Outputs.Count == 0)
                throw new ArgumentOutOfRangeException(nameof(operatorIndex), "the operator or the graph has no output");
        }
        var copy = (byte[])data.Clone();
        var sg = FbModel.GetRootAsModel(new Google.FlatBuffers.ByteBuffer(copy)).Subgraphs(0)!.Value;
        int tensor = sg.Operators(operatorIndex)!.Value.Outputs(0);
        var outputs = sg.GetOutputsBytes()!.Value;
        BitConverter.TryWriteBytes(copy.AsSpan(outputs.Offset, 4), tensor);
        return copy;
    }

    /// <summary>Loads and verifies a model held in memory. The array is pinned and used in place (not copied); do not modify it.</summary>
    /// <exception cref="ModelFormatException">The bytes are not a valid TFLite model.</exception>
    public static Model FromBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < 8) throw new ModelFormatException($"buffer too small to be a TFLite model ({data.Length} bytes)");
        var buffers = VerifyAndLocateBuffers(data, data.Length);
        var pin = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            var model = new Model(data, (byte*)pin.AddrOfPinnedObject(), data.Length, null, null, pin, buffers);
            model.Validate();
            return model;
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    /// <summary>Reads a whole stream and loads the model from its bytes.</summary>
    /// <exception cref="ModelFormatException">The bytes are not a valid TFLite model.</exception>
    public static Model FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        if (ms.Length > int.MaxValue) throw new ModelFormatException("models over 2 GiB are not supported");
        return FromBytes(ms.ToArray());
    }

    /// <summary>The raw bytes of buffer <paramref name="index"/> (empty when it has none).</summary>
    public ReadOnlySpan<byte> GetBuffer(int index)
    {
        ThrowIfDisposed();
        if ((uint)index >= (uint)_buffers.Length) throw new ArgumentOutOfRangeException(nameof(index));
        var (off, len) = _buffers[index];
        return len == 0 ? default : new ReadOnlySpan<byte>(_base + off, (int)len);
    }

    /// <summary>The bytes of the metadata entry named <paramref name="name"/>, or an empty span.</summary>
    public ReadOnlySpan<byte> GetMetadata(string name)
    {
        ThrowIfDisposed();
        foreach (var m in Metadata) if (m.Name == name) return GetBuffer(m.BufferIndex);
        return default;
    }

    /// <summary>True when a metadata entry of that name exists.</summary>
    public bool HasMetadata(string name) => Metadata.Any(m => m.Name == name);

    /// <summary>The whole model file as bytes (for readers of trailing data, e.g. the label zip appended by the metadata writer).</summary>
    public ReadOnlySpan<byte> GetFileBytes()
    {
        ThrowIfDisposed();
        return new ReadOnlySpan<byte>(_base, (int)_length);
    }

    internal byte* TensorData(TensorDescription t) => t.DataLength == 0 ? null : _base + t.DataOffset;

    internal FbModel Flatbuffer => _fb;

    /// <summary>End of the last buffer payload in the file (an appended archive starts at or after it).</summary>
    internal long PayloadEnd { get { long end = 0; foreach (var (off, len) in _buffers) end = Math.Max(end, off + len); return end; } }

    /// <summary>
    /// Releases the model's reference on the memory map or the pinned array: they are freed now when no interpreter
    /// uses the model, else when the last one is disposed. Safe to call more than once and from any thread.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        ReleaseData();
    }

    /// <summary>True once <see cref="Dispose"/> has been called (interpreters created before may still be running it).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Takes a reference on the model's data for an interpreter.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    internal void AcquireData()
    {
        while (true)
        {
            int r = Volatile.Read(ref _refs);
            // r == 0: the data is gone. A disposed model with live interpreters (r > 0) still refuses new ones.
            if (r == 0 || IsDisposed) throw new ObjectDisposedException(nameof(Model), "the model has been disposed");
            if (Interlocked.CompareExchange(ref _refs, r + 1, r) == r) return;
        }
    }

    /// <summary>Releases a reference taken by <see cref="AcquireData"/> (or the model's own); the last one frees the data.</summary>
    internal void ReleaseData()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r > 0) return;
        if (r < 0) throw new InvalidOperationException("model data released more often than acquired");
        if (_view != null) { _view.SafeMemoryMappedViewHandle.ReleasePointer(); _view.Dispose(); _view = null; }
        _mmf?.Dispose(); _mmf = null;
        if (_pin.IsAllocated) _pin.Free();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private static readonly object ConsoleLock = new();

    /// <summary>
    /// Runs a Google.FlatBuffers verification with Console output silenced: the library's Verifier writes
    /// "Exception: ..." to stdout when a vtable offset does not fit its int16 arithmetic (large real models trigger
    /// it harmlessly), which would corrupt the output of programs using EdgeLite.
    /// </summary>
    internal static bool QuietVerify(Func<bool> verify)
    {
        lock (ConsoleLock)
        {
            var saved = Console.Out;
            Console.SetOut(TextWriter.Null);
            try { return verify(); }
            finally { Console.SetOut(saved); }
        }
    }

    internal static string BuiltinName(int code) =>
        Enum.IsDefined((Fb.BuiltinOperator)code) ? ((Fb.BuiltinOperator)code).ToString() : $"BUILTIN_{code}";

    // ---- verification ----------------------------------------------------------------------------

    private static (long, long)[] VerifyAndLocateBuffers(byte[] data, long length)
    {
        var bb = new ByteBuffer(data);
        bool ok;
        try
        {
            if (!FbModel.ModelBufferHasIdentifier(bb))
                throw new ModelFormatException("not a TFLite model: the flatbuffer identifier is not 'TFL3'");
            var verifier = new Verifier(bb, new Options(maxDepth: 64, maxTables: 10_000_000, stringEndCheck: true, alignmentCheck: false));
            ok = QuietVerify(() => verifier.VerifyBuffer("TFL3", false, Fb.ModelVerify.Verify));
        }
        catch (ModelFormatException) { throw; }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            throw new ModelFormatException("malformed flatbuffer: " + e.Message, e);
        }
        if (!ok) throw new ModelFormatException("malformed flatbuffer: the structure of the file failed verification (truncated or corrupt)");

        var fb = FbModel.GetRootAsModel(bb);
        int n = fb.BuffersLength;
        var result = new (long, long)[n];
        for (int i = 0; i < n; i++)
        {
            var b = fb.Buffers(i)!.Value;
            ulong extOff = b.Offset, extSize = b.Size;
            if (extOff > 1)
            {
                if (extOff > (ulong)length || extSize > (ulong)length - extOff)
                    throw new ModelFormatException($"buffer {i}: external data [{extOff}, +{extSize}) lies outside the {length}-byte file");
                result[i] = ((long)extOff, (long)extSize);
            }
            else
            {
                var seg = b.GetDataBytes();
                result[i] = seg.HasValue && seg.Value.Count > 0 ? (seg.Value.Offset, seg.Value.Count) : (0, 0);
            }
        }
        return result;
    }

    // Copies the file into an array except the payload of large buffers: those pages of the array are never
    // written, so the weights live only in the memory map. The flatbuffer accessors never read payload bytes
    // through this array (EdgeLite reads tensor data from the map).
    private static byte[] BuildStructureOnly(byte[] full, (long Offset, long Length)[] buffers, byte* mapped, long length)
    {
        const long MinSkip = 64 * 1024;
        var big = buffers.Where(b => b.Length >= MinSkip && b.Offset + b.Length <= length).OrderBy(b => b.Offset).ToList();
        if (big.Count == 0) return full;
        var structure = GC.AllocateUninitializedArray<byte>((int)length);
        long pos = 0;
        foreach (var (off, len) in big)
        {
            if (off > pos) new ReadOnlySpan<byte>(mapped + pos, (int)(off - pos)).CopyTo(structure.AsSpan((int)pos));
            pos = Math.Max(pos, off + len);
        }
        if (pos < length) new ReadOnlySpan<byte>(mapped + pos, (int)(length - pos)).CopyTo(structure.AsSpan((int)pos));
        return structure;
    }

    private SubgraphDescription ReadSubgraph(int s, Fb.SubGraph sg, OperatorCodeDescription[] codes)
    {
        int nt = sg.TensorsLength;
        var tensors = new TensorDescription[nt];
        for (int i = 0; i < nt; i++)
        {
            var t = sg.Tensors(i)!.Value;
            string name = t.Name ?? "";
            string where = $"subgraph {s} tensor {i} '{name}'";
            var type = (TensorType)(sbyte)t.Type;
            if (!TensorTypeExtensions.IsKnown(type)) throw new ModelFormatException($"{where}: unknown tensor type {(int)t.Type}");
            var shape = t.GetShapeArray() ?? [];
            var sig = t.ShapeSignatureLength > 0 ? t.GetShapeSignatureArray() : null;
            if (shape.Length > 16) throw new ModelFormatException($"{where}: rank {shape.Length} exceeds 16");
            long count = 1;
            foreach (var d in shape)
            {
                if (d < 0) throw new ModelFormatException($"{where}: negative dimension {d} in shape [{string.Join(",", shape)}]");
                count = d == 0 ? 0 : count;
                if (count != 0 && (count *= d) > MaxTensorBytes) throw new ModelFormatException($"{where}: shape [{string.Join(",", shape)}] is absurdly large");
            }
            if (sig != null)
            {
                if (sig.Length != shape.Length) throw new ModelFormatException($"{where}: shape_signature rank {sig.Length} differs from shape rank {shape.Length}");
                foreach (var d in sig) if (d < -1) throw new ModelFormatException($"{where}: invalid shape_signature dimension {d}");
            }
            int es = type.ElementSize();
            if (es > 0 && count * es > MaxTensorBytes) throw new ModelFormatException($"{where}: {count} elements of {type.ToDTypeName()} is absurdly large");
            uint buf = t.Buffer;
            // Buffer 0 is the conventional "no data" buffer, valid even when the model lists no buffers at all.
            if (buf >= (uint)_buffers.Length && buf != 0) throw new ModelFormatException($"{where}: buffer index {buf} out of range (model has {_buffers.Length} buffers)");
            var (off, len) = buf < (uint)_buffers.Length ? _buffers[buf] : (0L, 0L);
            bool sparse = t.Sparsity.HasValue;
            if (len > 0 && !sparse && es > 0 && type != TensorType.String && len != count * es)
                throw new ModelFormatException($"{where}: buffer {buf} holds {len} bytes but shape [{string.Join(",", shape)}] x {type.ToDTypeName()} needs {count * es}");
            // As in TFLite: a variable (state) tensor starts at zero; initial values from a buffer are not supported.
            if (t.IsVariable && len > 0) throw new ModelFormatException($"{where}: variable tensor with constant data (buffer {buf}) is not supported");
            var q = ReadQuantization(t, shape, where);
            tensors[i] = new TensorDescription(i, name, type, shape, sig, q, (int)buf, t.IsVariable, sparse, off, len);
        }

        var inputs = sg.GetInputsArray() ?? [];
        var outputs = sg.GetOutputsArray() ?? [];
        foreach (var x in inputs) if ((uint)x >= (uint)nt) throw new ModelFormatException($"subgraph {s}: input tensor index {x} out of range ({nt} tensors)");
        foreach (var x in outputs) if ((uint)x >= (uint)nt) throw new ModelFormatException($"subgraph {s}: output tensor index {x} out of range ({nt} tensors)");

        int no = sg.OperatorsLength;
        var ops = new OperatorDescription[no];
        for (int i = 0; i < no; i++)
        {
            var op = sg.Operators(i)!.Value;
            uint oc = op.OpcodeIndex;
            if (oc >= (uint)codes.Length) throw new ModelFormatException($"subgraph {s} operator {i}: opcode index {oc} out of range ({codes.Length} operator codes)");
            var code = codes[oc];
            var ins = op.GetInputsArray() ?? [];
            var outs = op.GetOutputsArray() ?? [];
            foreach (var x in ins) if (x < -1 || x >= nt) throw new ModelFormatException($"subgraph {s} operator {i} ({code.Name}): input tensor index {x} out of range ({nt} tensors)");
            foreach (var x in outs) if (x < 0 || x >= nt) throw new ModelFormatException($"subgraph {s} operator {i} ({code.Name}): output tensor index {x} out of range ({nt} tensors)");
            var inter = op.GetIntermediatesArray() ?? [];
            foreach (var x in inter) if (x < 0 || x >= nt) throw new ModelFormatException($"subgraph {s} operator {i} ({code.Name}): intermediate tensor index {x} out of range ({nt} tensors)");
            ops[i] = new OperatorDescription(i, (int)oc, code.Name, code.BuiltinCode, code.CustomCode, code.Version, ins, outs, inter, op);
        }
        return new SubgraphDescription(s, sg.Name ?? "", tensors, ops, inputs, outputs);
    }

    private static QuantizationParameters? ReadQuantization(Fb.Tensor t, int[] shape, string where)
    {
        var qp = t.Quantization;
        if (!qp.HasValue) return null;
        var q = qp.Value;
        int ns = q.ScaleLength;
        if (ns == 0) return null;
        var scales = q.GetScaleArray();
        int nz = q.ZeroPointLength;
        if (nz != 0 && nz != ns) throw new ModelFormatException($"{where}: {ns} quantization scales but {nz} zero points");
        var zps = nz == 0 ? new long[ns] : q.GetZeroPointArray();
        int axis = q.QuantizedDimension;
        foreach (var sc in scales)
            if (!float.IsFinite(sc) || sc < 0) throw new ModelFormatException($"{where}: invalid quantization scale {sc}");
        if (ns > 1)
        {
            if (axis < 0) throw new ModelFormatException($"{where}: negative quantized_dimension {axis}");
            if (axis >= shape.Length)
            {
                // TFLite Micro's converter wrote quantized_dimension 3 on rank-1 bias tensors (person_detect).
                // LiteRT rejects such files; EdgeLite tolerates them knowingly when the channel count fits axis 0.
                if (shape.Length == 1 && shape[0] == ns) axis = 0;
                else throw new ModelFormatException($"{where}: quantized_dimension {axis} out of range for rank {shape.Length}");
            }
            if (shape[axis] != ns) throw new ModelFormatException($"{where}: {ns} per-channel scales but dimension {axis} has size {shape[axis]}");
        }
        return new QuantizationParameters(scales, zps, axis);
    }

    // Structural checks across the whole graph (after descriptions are built).
    private void Validate()
    {
        if (Version > 3) throw new ModelFormatException($"unsupported schema version {Version} (EdgeLite reads version 3)");
        if (Subgraphs.Count == 0) throw new ModelFormatException("the model has no subgraph");
        foreach (var m in Metadata)
            if ((uint)m.BufferIndex >= (uint)_buffers.Length) throw new ModelFormatException($"metadata '{m.Name}': buffer index {m.BufferIndex} out of range");
        foreach (var sig in Signatures)
        {
            if ((uint)sig.SubgraphIndex >= (uint)Subgraphs.Count) throw new ModelFormatException($"signature '{sig.Key}': subgraph index {sig.SubgraphIndex} out of range");
            int nt = Subgraphs[sig.SubgraphIndex].Tensors.Count;
            foreach (var x in sig.Inputs.Concat(sig.Outputs))
                if ((uint)x.TensorIndex >= (uint)nt) throw new ModelFormatException($"signature '{sig.Key}': tensor '{x.Name}' index {x.TensorIndex} out of range");
        }
        foreach (var sg in Subgraphs)
        {
            // Execution order: every tensor an operator reads must exist by then (constant, graph input,
            // variable, or written by an earlier operator), and no tensor is written twice.
            var ready = new bool[sg.Tensors.Count];
            var writtenBy = new int[sg.Tensors.Count];
            Array.Fill(writtenBy, -1);
            foreach (var t in sg.Tensors) if (t.IsConstant || t.IsVariable) ready[t.Index] = true;
            foreach (var i in sg.Inputs) ready[i] = true;
            foreach (var op in sg.Operators)
            {
                foreach (var i in op.Inputs)
                {
                    if (i < 0) continue;
                    if (!ready[i])
                    {
                        var t = sg.Tensors[i];
                        // A non-constant tensor that nobody writes is legal only when it is empty (e.g. an unused optional input).
                        if (writtenBy[i] < 0 && !sg.Operators.Any(o => o.Index > op.Index && o.Outputs.Contains(i)) && t.ElementCount == 0) continue;
                        throw new ModelFormatException($"subgraph {sg.Index} operator {op.Index} ({op.OpName}): input tensor {i} '{t.Name}' is read before any operator writes it");
                    }
                }
                foreach (var o in op.Outputs)
                {
                    if (writtenBy[o] >= 0) throw new ModelFormatException($"subgraph {sg.Index} operator {op.Index} ({op.OpName}): output tensor {o} '{sg.Tensors[o].Name}' is already written by operator {writtenBy[o]}");
                    if (sg.Tensors[o].IsConstant) throw new ModelFormatException($"subgraph {sg.Index} operator {op.Index} ({op.OpName}): output tensor {o} '{sg.Tensors[o].Name}' is a constant");
                    writtenBy[o] = op.Index;
                    ready[o] = true;
                }
            }
            foreach (var o in sg.Outputs)
                if (!ready[o]) throw new ModelFormatException($"subgraph {sg.Index}: output tensor {o} '{sg.Tensors[o].Name}' is never written");
        }
    }
}
