namespace CallSentiment.Analysis.Tests.Aws;

/// <summary>Short transcripts in Amazon Transcribe's batch output format (times and confidences as strings).</summary>
internal static class TranscribeFixtures
{
    /// <summary>Channel identification of a two-channel call: the agent on ch_0, the customer on ch_1.</summary>
    public const string Stereo = """
        {
          "jobName": "call-42-abc",
          "accountId": "123456789012",
          "status": "COMPLETED",
          "results": {
            "language_code": "en-US",
            "transcripts": [{ "transcript": "Hello, how can I help? My bill is wrong." }],
            "channel_labels": {
              "number_of_channels": 2,
              "channels": [
                {
                  "channel_label": "ch_0",
                  "items": [
                    { "type": "pronunciation", "start_time": "0.12", "end_time": "0.48", "alternatives": [{ "confidence": "0.998", "content": "Hello" }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "," }] },
                    { "type": "pronunciation", "start_time": "0.60", "end_time": "0.75", "alternatives": [{ "confidence": "0.97", "content": "how" }] },
                    { "type": "pronunciation", "start_time": "0.75", "end_time": "0.86", "alternatives": [{ "confidence": "0.99", "content": "can" }] },
                    { "type": "pronunciation", "start_time": "0.86", "end_time": "0.90", "alternatives": [{ "confidence": "0.99", "content": "I" }] },
                    { "type": "pronunciation", "start_time": "0.90", "end_time": "1.20", "alternatives": [{ "confidence": "0.95", "content": "help" }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "?" }] }
                  ]
                },
                {
                  "channel_label": "ch_1",
                  "items": [
                    { "type": "pronunciation", "start_time": "1.80", "end_time": "1.95", "alternatives": [{ "confidence": "0.91", "content": "My" }] },
                    { "type": "pronunciation", "start_time": "1.95", "end_time": "2.30", "alternatives": [{ "confidence": "0.88", "content": "bill" }] },
                    { "type": "pronunciation", "start_time": "2.30", "end_time": "2.41", "alternatives": [{ "confidence": "0.93", "content": "is" }] },
                    { "type": "pronunciation", "start_time": "3.20", "end_time": "3.60", "alternatives": [{ "confidence": "0.90", "content": "wrong" }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "." }] }
                  ]
                }
              ]
            },
            "items": [
              { "channel_label": "ch_0", "type": "pronunciation", "start_time": "0.12", "end_time": "0.48", "alternatives": [{ "confidence": "0.998", "content": "Hello" }] }
            ]
          }
        }
        """;

    /// <summary>Speaker diarization of a mono call with two speakers.</summary>
    public const string Mono = """
        {
          "jobName": "call-7-def",
          "accountId": "123456789012",
          "status": "COMPLETED",
          "results": {
            "language_code": "en-GB",
            "transcripts": [{ "transcript": "Thanks for calling. I want to cancel." }],
            "speaker_labels": {
              "channel_label": "ch_0",
              "speakers": 2,
              "segments": [
                { "start_time": "0.20", "end_time": "1.10", "speaker_label": "spk_0",
                  "items": [{ "start_time": "0.20", "end_time": "0.55", "speaker_label": "spk_0" }, { "start_time": "0.55", "end_time": "0.70", "speaker_label": "spk_0" }, { "start_time": "0.70", "end_time": "1.10", "speaker_label": "spk_0" }] },
                { "start_time": "1.50", "end_time": "2.60", "speaker_label": "spk_1",
                  "items": [{ "start_time": "1.50", "end_time": "1.60", "speaker_label": "spk_1" }] }
              ]
            },
            "items": [
              { "type": "pronunciation", "start_time": "0.20", "end_time": "0.55", "speaker_label": "spk_0", "alternatives": [{ "confidence": "0.99", "content": "Thanks" }] },
              { "type": "pronunciation", "start_time": "0.55", "end_time": "0.70", "speaker_label": "spk_0", "alternatives": [{ "confidence": "0.98", "content": "for" }] },
              { "type": "pronunciation", "start_time": "0.70", "end_time": "1.10", "speaker_label": "spk_0", "alternatives": [{ "confidence": "0.97", "content": "calling" }] },
              { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "." }], "speaker_label": "spk_0" },
              { "type": "pronunciation", "start_time": "1.50", "end_time": "1.60", "speaker_label": "spk_1", "alternatives": [{ "confidence": "0.99", "content": "I" }] },
              { "type": "pronunciation", "start_time": "1.60", "end_time": "1.85", "speaker_label": "spk_1", "alternatives": [{ "confidence": "0.96", "content": "want" }] },
              { "type": "pronunciation", "start_time": "1.85", "end_time": "1.95", "speaker_label": "spk_1", "alternatives": [{ "confidence": "0.99", "content": "to" }] },
              { "type": "pronunciation", "start_time": "1.95", "end_time": "2.60", "speaker_label": "spk_1", "alternatives": [{ "confidence": "0.87", "content": "cancel" }] },
              { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "." }], "speaker_label": "spk_1" }
            ]
          }
        }
        """;

    /// <summary>
    /// A stereo call redacted by Transcribe (ContentRedaction, PII): each entity is one "[PII]" item whose alternative
    /// carries the entity's type under "redactions" (and no ASR confidence of its own), as the service writes it.
    /// </summary>
    public const string StereoRedacted = """
        {
          "jobName": "call-42-abc",
          "accountId": "123456789012",
          "isRedacted": true,
          "status": "COMPLETED",
          "results": {
            "language_code": "en-US",
            "transcripts": [{ "transcript": "Your card number? It's [PII]. Call me on [PII]." }],
            "channel_labels": {
              "number_of_channels": 2,
              "channels": [
                {
                  "channel_label": "ch_0",
                  "items": [
                    { "type": "pronunciation", "start_time": "0.10", "end_time": "0.30", "alternatives": [{ "confidence": "0.99", "content": "Your" }] },
                    { "type": "pronunciation", "start_time": "0.30", "end_time": "0.60", "alternatives": [{ "confidence": "0.99", "content": "card" }] },
                    { "type": "pronunciation", "start_time": "0.60", "end_time": "0.90", "alternatives": [{ "confidence": "0.98", "content": "number" }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "?" }] }
                  ]
                },
                {
                  "channel_label": "ch_1",
                  "items": [
                    { "type": "pronunciation", "start_time": "1.50", "end_time": "1.70", "alternatives": [{ "confidence": "0.97", "content": "It's" }] },
                    { "type": "pronunciation", "start_time": "1.80", "end_time": "5.40", "alternatives": [{ "content": "[PII]", "redactions": [{ "confidence": "0.9995", "type": "CREDIT_DEBIT_NUMBER", "category": "PII" }] }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "." }] },
                    { "type": "pronunciation", "start_time": "6.00", "end_time": "6.20", "alternatives": [{ "confidence": "0.96", "content": "Call" }] },
                    { "type": "pronunciation", "start_time": "6.20", "end_time": "6.35", "alternatives": [{ "confidence": "0.97", "content": "me" }] },
                    { "type": "pronunciation", "start_time": "6.35", "end_time": "6.50", "alternatives": [{ "confidence": "0.97", "content": "on" }] },
                    { "type": "pronunciation", "start_time": "6.60", "end_time": "8.90", "alternatives": [{ "content": "[PII]", "redactions": [{ "confidence": "0.9987", "type": "PHONE", "category": "PII" }] }] },
                    { "type": "punctuation", "alternatives": [{ "confidence": "0.0", "content": "." }] }
                  ]
                }
              ]
            }
          }
        }
        """;

    /// <summary>No speaker settings: items only.</summary>
    public const string Plain = """
        {"jobName":"j","accountId":"1","status":"COMPLETED","results":{"language_code":"en-US","transcripts":[{"transcript":"Yes, fine."}],
         "items":[{"type":"pronunciation","start_time":"0.1","end_time":"0.4","alternatives":[{"confidence":"0.9","content":"Yes"}]},
                  {"type":"punctuation","alternatives":[{"confidence":"0.0","content":","}]},
                  {"type":"pronunciation","start_time":"1.5","end_time":"1.9","alternatives":[{"confidence":"0.8","content":"fine"}]},
                  {"type":"punctuation","alternatives":[{"confidence":"0.0","content":"."}]}]}}
        """;
}
