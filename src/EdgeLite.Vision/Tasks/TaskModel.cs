namespace EdgeLite.Vision;

/// <summary>What every task API does first: read the metadata, build and allocate the interpreter, pick the input normalization.</summary>
internal static class TaskModel
{
    /// <summary>
    /// The interpreter, the model's metadata (or null) and the float input normalization: the given one, else the
    /// metadata's, else [-1, 1] for float inputs and raw pixels otherwise.
    /// </summary>
    public static (Interpreter Interpreter, ModelMetadata? Metadata, InputNormalization Normalization) Open(Model model, int threads, InputNormalization? normalization)
    {
        ArgumentNullException.ThrowIfNull(model);
        var metadata = ModelMetadata.Read(model);
        var interpreter = new Interpreter(model, new InterpreterOptions { Threads = threads });
        interpreter.AllocateTensors();
        var input = interpreter.GetInputTensor(0);
        var norm = normalization ?? metadata?.InputNormalization
            ?? (input.Type == TensorType.Float32 ? InputNormalization.MinusOneToOne : InputNormalization.Raw);
        return (interpreter, metadata, norm);
    }
}
