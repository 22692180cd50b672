namespace EdgeLite;

/// <summary>The model file is not a valid TFLite flatbuffer, or violates an invariant EdgeLite checks before trusting it.</summary>
public class ModelFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The model uses an operator (or an operator variant: dtype, option, version) that EdgeLite cannot run.</summary>
public class UnsupportedOperatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnsupportedOperatorException(string message) : base(message) { }
}

/// <summary>A runtime misuse: wrong input size or dtype, invoking before AllocateTensors, a kernel failing on its data.</summary>
public class InterpreterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InterpreterException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public InterpreterException(string message, Exception inner) : base(message, inner) { }
}
