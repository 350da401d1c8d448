using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using RawkodeAutomation.TemporalServer.Engine;

namespace RawkodeAutomation.TemporalServer.Storage;

/// <summary>JSON for run snapshots; protobuf members are stored as base64 of their binary encoding.</summary>
internal static class StateSerializer
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new ProtobufConverterFactory() },
    };

    public static string Serialize(RunState run) => JsonSerializer.Serialize(run, Options);

    public static RunState Deserialize(string json) =>
        JsonSerializer.Deserialize<RunState>(json, Options) ?? throw new InvalidDataException("empty run snapshot");

    private sealed class ProtobufConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IMessage).IsAssignableFrom(typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(ProtobufConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class ProtobufConverter<T> : JsonConverter<T>
        where T : IMessage<T>, new()
    {
        private static readonly MessageParser<T> Parser = new(() => new T());

        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? default : Parser.ParseFrom(reader.GetBytesFromBase64());

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteBase64StringValue(value.ToByteArray());
    }
}
