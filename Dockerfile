# CallSentiment web app (dashboard + ingestion worker). Built from the repository root:
#   docker build -t callsentiment .
# Front-end parts and the Silero VAD model come from npm, as in scripts/setup: Chart.js (declared in libman.json) and
# @ricky0123/vad-web. ONNX Runtime comes with the publish, from the NuGet package Microsoft.ML.OnnxRuntime.
FROM node:20-bookworm-slim AS npm
WORKDIR /npm
RUN npm install --ignore-scripts --no-audit --no-fund chart.js@4.5.1 @ricky0123/vad-web@0.0.31

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# linux-x64 only: the image carries that platform's natives (ONNX Runtime, SQLite), not the other platforms' ones.
RUN dotnet publish src/CallSentiment.Web -c Release -r linux-x64 --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# ffmpeg decodes MP3/M4A/OGG/FLAC recordings; tzdata names the dashboard's time zones; curl serves the health check;
# libpocketsphinx3 + pocketsphinx-en-us are the offline speech recogniser and its US English model.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg tzdata curl libpocketsphinx3 pocketsphinx-en-us \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY wwwroot ./wwwroot
COPY models/speech-emotion ./models/speech-emotion
COPY models/text-sentiment ./models/text-sentiment
COPY models/fusion ./models/fusion
COPY --from=npm /npm/node_modules/@ricky0123/vad-web/dist/silero_vad_v6.onnx /opt/silero-vad/silero_vad.onnx
COPY --from=npm /npm/node_modules/chart.js/dist/chart.umd.js ./wwwroot/lib/chart.js/dist/chart.umd.js
RUN mkdir -p /data && chown app /data
ENV ASPNETCORE_URLS=http://+:8080 \
    CALLSENTIMENT_WEBROOT=/app/wwwroot \
    SpeechEmotion__ModelFolder=/app/models/speech-emotion \
    Transcription__TextModelFolder=/app/models/text-sentiment \
    Fusion__ModelFolder=/app/models/fusion \
    Transcription__VadModel=/opt/silero-vad/silero_vad.onnx \
    Storage__ConnectionString="Data Source=/data/callsentiment.db" \
    Recordings__Folder=/data/recordings \
    DataProtection__KeysFolder=/data/keys
USER app
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD curl -fsS http://localhost:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "CallSentiment.Web.dll"]
