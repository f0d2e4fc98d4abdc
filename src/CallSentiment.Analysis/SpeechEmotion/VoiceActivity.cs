namespace CallSentiment.Analysis.SpeechEmotion;

/// <summary>
/// Frame-level voice activity from the log-mel frames the model already computes: a frame is voiced when its
/// energy stands a margin above a tracked noise floor and above an absolute floor. Cheap, streaming, and good
/// enough to keep the emotion model off silence and hold music gaps; the transcript stage uses a neural VAD.
/// </summary>
public sealed class VoiceActivity
{
    private readonly double _marginNats;
    private readonly double _absoluteFloor;
    private readonly double _floorRise;
    private double _floor = double.NaN;

    /// <param name="marginDb">How far above the noise floor speech must be.</param>
    /// <param name="absoluteFloorDb">Energy (dB of summed mel power; a full-scale tone is about +40 dB, quiet read speech -30..-10 dB) below which nothing is speech.</param>
    /// <param name="framesPerSecond">Frame rate, to make the floor adapt in seconds rather than frames.</param>
    public VoiceActivity(double marginDb = 10, double absoluteFloorDb = -35, double framesPerSecond = 100)
    {
        _marginNats = marginDb / 10 * Math.Log(10);
        _absoluteFloor = absoluteFloorDb / 10 * Math.Log(10);
        // The floor follows a quieter frame at once and creeps up by about 3 dB per second otherwise.
        _floorRise = 3.0 / 10 * Math.Log(10) / framesPerSecond;
    }

    public bool IsVoiced(double energy)
    {
        _floor = double.IsNaN(_floor) ? energy : Math.Min(energy, _floor + _floorRise);
        return energy > _absoluteFloor && energy > _floor + _marginNats;
    }

    public void Reset() => _floor = double.NaN;
}
