using System.Text;
using Google.Protobuf;

namespace RawkodeAutomation.TemporalServer.Engine;

internal enum TaskKind : byte
{
    Workflow = 1,
    Activity = 2,
    Query = 3,
    Nexus = 4,

    /// <summary>
    /// Names a worker's sticky workflow task queue in the queue table only; the tasks on it carry
    /// <see cref="Workflow"/> or <see cref="Query"/> tokens.
    /// </summary>
    Sticky = 5,
}

/// <summary>
/// The opaque task token handed to workers. It names the run, the scheduled event and the attempt, so a
/// token from an earlier attempt (or an earlier server life) is recognisably stale.
/// </summary>
internal sealed record TaskToken(TaskKind Kind, string Namespace, string WorkflowId, string RunId, long ScheduledEventId, int Attempt, long StartedEventId, string QueryId)
{
    private const byte Magic = 0x52;

    public ByteString Encode()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write((byte)Kind);
            writer.Write(Namespace);
            writer.Write(WorkflowId);
            writer.Write(RunId);
            writer.Write(ScheduledEventId);
            writer.Write(Attempt);
            writer.Write(StartedEventId);
            writer.Write(QueryId);
        }
        return ByteString.CopyFrom(stream.ToArray());
    }

    /// <summary>Decodes a token; a token this server never issued is an invalid argument, as on a real server.</summary>
    public static TaskToken Decode(ByteString token)
    {
        if (token.IsEmpty)
        {
            throw Errors.InvalidArgument("Task token not set on request.");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(token.ToByteArray()), Encoding.UTF8);
            if (reader.ReadByte() != Magic)
            {
                throw new FormatException("bad magic");
            }
            var kind = (TaskKind)reader.ReadByte();
            var result = new TaskToken(kind, reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt64(), reader.ReadString());
            if (!Enum.IsDefined(kind) || reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new FormatException("bad kind or trailing bytes");
            }
            return result;
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException or IOException or ArgumentException)
        {
            throw Errors.InvalidArgument("Error deserializing task token.");
        }
    }
}
