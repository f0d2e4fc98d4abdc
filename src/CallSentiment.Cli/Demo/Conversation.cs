using System.Globalization;

namespace CallSentiment.Cli.Demo;

/// <summary>Who the customer is on this call and how it ends; sets both the words and the voice.</summary>
internal enum Persona
{
    Satisfied,
    Neutral,
    Angry,
    Sad,
    Mixed,
}

internal enum Topic
{
    Billing,
    Delivery,
    Account,
    TechnicalFault,
    Cancellation,
}

internal enum Party
{
    Agent,
    Customer,
}

/// <summary>One turn of the script. <c>LooksUp</c>: the agent checks the account before saying it (a pause, or a hold
/// when <c>AfterHold</c> gives what is said on returning).</summary>
internal sealed record Turn(Party Party, string Text, Tone Tone, bool LooksUp = false, string? AfterHold = null);

/// <summary>
/// Scripted customer-service calls from templates: greeting, the customer's problem, identity check, a few
/// exchanges while the agent investigates (often putting the customer on hold), the outcome, and a goodbye. The
/// persona decides the customer's words and tone turn by turn (a mixed call starts angry and ends relieved) and
/// whether the problem gets solved.
/// </summary>
internal static class Conversation
{
    public static List<Turn> Write(Random rng, Persona persona, Topic topic, string agentFirstName, int turnCount)
    {
        var closing = (turnCount - 6) % 2 == 1 ? 1 : turnCount >= 8 && rng.Next(2) == 0 ? 2 : 0;
        var middle = (turnCount - 6 - closing) / 2;
        var customerTurns = 3 + middle + (closing == 2 ? 1 : 0);
        var said = 0;
        Tone Customer(bool afterOutcome = false) => CustomerTone(persona, said++, customerTurns, afterOutcome);
        string Fill(string template) => Slots(template, rng);

        var turns = new List<Turn>
        {
            new(Party.Agent, Fill(Pick(rng, Greetings).Replace("{name}", agentFirstName, StringComparison.Ordinal)), new Tone(Emotion.Happy, 0.3)),
            new(Party.Customer, Fill($"{Pick(rng, Openers[persona])} {Pick(rng, Problems[topic])} {Pick(rng, OpenerEnds[persona])}"), Customer()),
            new(Party.Agent, Fill($"{Pick(rng, Acknowledgements[persona])} {Pick(rng, IdentityChecks)}"), Tone.Plain),
            new(Party.Customer, Fill(Pick(rng, IdentityAnswers[persona])), Customer()),
        };
        foreach (var line in Shuffle(rng, Investigations[topic]).Take(middle))
        {
            turns.Add(new(Party.Agent, Fill(line), Tone.Plain));
            turns.Add(new(Party.Customer, Fill(Pick(rng, Replies[persona])), Customer()));
        }
        var solved = persona is not (Persona.Angry or Persona.Sad);
        turns.Add(new(Party.Agent, Fill(Pick(rng, solved ? Fixes[topic] : Setbacks[topic])), Tone.Plain));
        turns.Add(new(Party.Customer, Fill(Pick(rng, Reactions[persona])), Customer(afterOutcome: true)));
        if (closing >= 1) turns.Add(new(Party.Agent, Fill(Pick(rng, Closings)), new Tone(Emotion.Happy, 0.3)));
        if (closing == 2) turns.Add(new(Party.Customer, Fill(Pick(rng, Goodbyes[persona])), Customer(afterOutcome: true)));

        // The agent's first answer after the identity check needs a look at the account; usually with a hold.
        turns[4] = rng.NextDouble() < 0.7
            ? turns[4] with { Text = Fill(Pick(rng, HoldRequests)), LooksUp = true, AfterHold = $"{Pick(rng, HoldReturns)} {turns[4].Text}" }
            : turns[4] with { LooksUp = true };
        return turns;
    }

    private static Tone CustomerTone(Persona persona, int index, int count, bool afterOutcome)
    {
        var progress = count <= 1 ? 1 : (double)index / (count - 1);
        return persona switch
        {
            Persona.Satisfied => new Tone(Emotion.Happy, 0.6 + 0.4 * progress),
            Persona.Angry => new Tone(Emotion.Angry, 0.8 + 0.2 * progress),
            Persona.Sad => new Tone(Emotion.Sad, 0.7 + 0.3 * progress),
            // Angry until the agent turns it round, then relieved and happy.
            Persona.Mixed when afterOutcome => new Tone(Emotion.Happy, 0.9),
            Persona.Mixed => new Tone(Emotion.Angry, 0.9 - 0.3 * progress),
            _ => Tone.Plain,
        };
    }

    private static string Pick(Random rng, string[] options) => options[rng.Next(options.Length)];

    private static string[] Shuffle(Random rng, string[] options)
    {
        var copy = (string[])options.Clone();
        rng.Shuffle(copy);
        return copy;
    }

    private static readonly string[] Weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

    private static string Slots(string text, Random rng)
    {
        var ci = CultureInfo.InvariantCulture;
        return text
            .Replace("{amount}", rng.Next(12, 160).ToString(ci), StringComparison.Ordinal)
            .Replace("{days}", rng.Next(3, 15).ToString(ci), StringComparison.Ordinal)
            .Replace("{day}", Pick(rng, Weekdays), StringComparison.Ordinal)
            .Replace("{digits}", string.Join(' ', Enumerable.Range(0, 4).Select(_ => rng.Next(10).ToString(ci))), StringComparison.Ordinal)
            .Replace("{order}", rng.Next(100, 999).ToString(ci), StringComparison.Ordinal);
    }

    private static readonly string[] Greetings =
    [
        "Good morning, you're through to Northwind Telecom, my name is {name}. How can I help you today?",
        "Thank you for calling Northwind Telecom, you're speaking with {name}. What can I do for you?",
        "Hello, Northwind customer support, this is {name} speaking. How can I help?",
    ];

    private static readonly Dictionary<Persona, string[]> Openers = new()
    {
        [Persona.Satisfied] = ["Oh hi there, lovely to get through so quickly!", "Hello! Thanks so much for picking up.", "Hi, great, thank you!"],
        [Persona.Neutral] = ["Hello, yes.", "Hi, good morning.", "Hello there."],
        [Persona.Angry] = ["Right, finally! I've been on hold for ages!", "This is the third time I've called about this!", "Listen, I've had enough of this!"],
        [Persona.Sad] = ["Hello... sorry, I'm not really sure who else to ask.", "Hi. I'm sorry, it's been a really difficult week.", "Hello... I don't really know what to do anymore."],
        [Persona.Mixed] = ["Finally! Do you know how long I've been waiting?", "Right, I'm really not happy at all!", "I've called twice already and nobody has helped me!"],
    };

    private static readonly Dictionary<Topic, string[]> Problems = new()
    {
        [Topic.Billing] =
        [
            "I've been charged {amount} pounds twice on my last bill, for the same month.",
            "My bill this month is {amount} pounds more than usual, and I haven't changed anything.",
            "There's a late payment fee on my account, but I paid on {day} like I always do.",
        ],
        [Topic.Delivery] =
        [
            "I ordered a new router {days} days ago and it still hasn't arrived.",
            "My parcel says delivered on {day}, but there's nothing here.",
            "The phone you sent me arrived with a cracked screen, order number {order}.",
        ],
        [Topic.Account] =
        [
            "I'm locked out of my online account and the reset email never comes.",
            "I moved house on {day} and I need to change my address on the account.",
            "Somebody changed the password on my account, and it wasn't me.",
        ],
        [Topic.TechnicalFault] =
        [
            "My broadband keeps dropping out every evening, for about {days} days now.",
            "I've had no internet at all since {day} morning.",
            "My mobile has no signal at home anymore, and calls keep cutting off.",
        ],
        [Topic.Cancellation] =
        [
            "I want to cancel my contract, but the website won't let me.",
            "I asked to cancel last month and you've still taken {amount} pounds.",
            "I'm moving abroad and I need to close my account before the end of the month.",
        ],
    };

    private static readonly Dictionary<Persona, string[]> OpenerEnds = new()
    {
        [Persona.Satisfied] = ["I'm sure it's something simple, thank you so much!", "No rush at all, I'm just glad to talk to someone!", "Hopefully you can help, you're always brilliant!"],
        [Persona.Neutral] = ["Could you have a look, please?", "Can you check that for me?", "I'd like to get it sorted."],
        [Persona.Angry] = ["Nobody has fixed anything and I am sick of it!", "It's completely unacceptable and I want it sorted now!", "I'm paying for this and I'm fed up with being ignored!"],
        [Persona.Sad] = ["I really can't afford this right now.", "I've been so worried about it, I haven't slept.", "I just feel like I'm going round in circles."],
        [Persona.Mixed] = ["It's ridiculous, I want it fixed today!", "I'm absolutely fed up with this!", "Why does nobody ever call back?"],
    };

    private static readonly Dictionary<Persona, string[]> Acknowledgements = new()
    {
        [Persona.Satisfied] = ["Of course, happy to help with that.", "No problem at all, let's get that sorted."],
        [Persona.Neutral] = ["Certainly, I can look into that.", "Okay, let me check that for you."],
        [Persona.Angry] = ["I'm sorry you've had to call again, I'll do what I can.", "I understand, and I'm sorry about the wait."],
        [Persona.Sad] = ["I'm really sorry to hear that, let's see what we can do.", "Oh dear, I'm sorry, don't worry, I'll take a look."],
        [Persona.Mixed] = ["I'm sorry about that, I'll look into it straight away.", "I understand you're frustrated, let me help."],
    };

    private static readonly string[] IdentityChecks =
    [
        "Can I take the last four digits of your account number, please?",
        "Before I look, could you give me the last four digits of the account number?",
        "To find the account, could I have the last four digits of your account number, please?",
    ];

    private static readonly Dictionary<Persona, string[]> IdentityAnswers = new()
    {
        [Persona.Satisfied] = ["Yes, of course! It's {digits}. It's in my name.", "Sure, no problem, it's {digits}, thank you!"],
        [Persona.Neutral] = ["Yes, it's {digits}.", "Okay. That's {digits}. The account is in my name."],
        [Persona.Angry] = ["It's {digits}! I've given it three times already!", "Fine! {digits}. Can we just get on with it?"],
        [Persona.Sad] = ["Um... it's {digits}. Sorry, I had to find it.", "Yes, it's {digits}... I think that's right."],
        [Persona.Mixed] = ["{digits}! Again!", "It's {digits}. I've given this to everyone already!"],
    };

    private static readonly string[] HoldRequests =
    [
        "Let me pull up the account. Could you bear with me for a moment while I look into this?",
        "I'll need to check a couple of things with my team. Is it okay if I put you on hold for a minute?",
        "Thank you. Let me have a look at what's happened there, one moment please.",
    ];

    private static readonly string[] HoldReturns =
    [
        "Thanks for holding.",
        "Thank you for waiting.",
        "Sorry to keep you waiting.",
    ];

    private static readonly Dictionary<Topic, string[]> Investigations = new()
    {
        [Topic.Billing] =
        [
            "I can see two payments of {amount} pounds taken on {day}. It looks like the direct debit was collected twice.",
            "Looking at the bill breakdown, there's an extra charge for a data bolt-on here. Did you add anything to the plan last month?",
            "I'm checking the payment history now. Your last three payments all went through on time, so that fee shouldn't be there.",
            "I can see the price went up by {amount} pounds in April. Did you get a letter from us about the change?",
        ],
        [Topic.Delivery] =
        [
            "I can see the order was dispatched on {day} with our courier. The tracking shows it reached the local depot.",
            "The courier has it marked as left in a safe place. Have you checked with your neighbours, or around the back of the house?",
            "It looks like the parcel was damaged in transit. I can see a note from the depot about it on {day}.",
            "The system shows two delivery attempts. Were you at home on {day} afternoon?",
        ],
        [Topic.Account] =
        [
            "I can see {days} failed log-in attempts on the account since {day}. The system locked it to keep it safe.",
            "The email address we have on file is an old one. Do you still have access to that mailbox?",
            "I'm looking at the recent changes on the account. The password was changed on {day} evening from a new device.",
            "I can update the address for you today. Could you confirm the new postcode and the date you moved?",
        ],
        [Topic.TechnicalFault] =
        [
            "I'm running a line test now, it takes about a minute. Are all the lights on the router green at the moment?",
            "I can see the connection dropped {days} times last night. That usually points to a fault on the line rather than your equipment.",
            "Could you turn the router off at the wall, wait ten seconds, and turn it back on? I'll stay on the line while it restarts.",
            "There is some work on the exchange in your area this week. That could be what's causing the problem.",
        ],
        [Topic.Cancellation] =
        [
            "I can see the contract has {days} months left to run. Can I ask why you'd like to leave us?",
            "I'm checking whether there's an early cancellation fee. It depends on when the contract was last renewed.",
            "I'm just reading the notes from your last call. It says the cancellation request was logged on {day}.",
            "Before I close it, I can offer you a discount of {amount} percent if you'd like to stay. Would that interest you?",
        ],
    };

    private static readonly Dictionary<Persona, string[]> Replies = new()
    {
        [Persona.Satisfied] =
        [
            "Oh brilliant, that's really good to know, thank you!",
            "Lovely, that makes sense now. I wondered what had happened there!",
            "Perfect, you're being so helpful, thank you very much!",
            "Oh great, that's a relief actually, I was a bit worried!",
        ],
        [Persona.Neutral] =
        [
            "Okay. I didn't know that, no.",
            "Right, I see. What happens next, then?",
            "Okay, that's fine. Go ahead.",
            "Mm, alright. I think that was the week I was away.",
        ],
        [Persona.Angry] =
        [
            "How long is this going to take? I've already wasted my whole morning on this!",
            "That's exactly what the last person said, and nothing happened!",
            "I don't care about that, just fix it! It's your mistake, not mine!",
            "This is absolutely ridiculous! Why do I have to explain it all again?",
        ],
        [Persona.Sad] =
        [
            "Oh... okay. I didn't realise. I'm sorry, I'm not very good with these things.",
            "I see... I wish someone had told me that before. I've been worrying about it all week.",
            "Right... sorry, this is all a bit much at the moment.",
            "Okay... I just hope it's not something I did wrong.",
        ],
        [Persona.Mixed] =
        [
            "Why didn't anyone tell me that before? I've called twice already!",
            "So it was your mistake, not mine! I knew it!",
            "Well, I hope you can actually fix it this time, because I'm running out of patience!",
            "That's what I've been saying all along! Nobody listens!",
        ],
    };

    private static readonly Dictionary<Topic, string[]> Fixes = new()
    {
        [Topic.Billing] =
        [
            "Okay, I've refunded the {amount} pounds, so you'll see it back in your account in three to five working days. I've also added a note so it doesn't happen again.",
            "Right, I've removed the charge from your bill, and I've added a small credit to say sorry for the trouble. You'll get an updated bill by email today.",
        ],
        [Topic.Delivery] =
        [
            "I've sent a replacement by next-day delivery, so it'll be with you tomorrow before one o'clock. You don't need to send anything back.",
            "I've arranged a full refund, and a new one is on its way to you today. You'll get a text with the tracking number shortly.",
        ],
        [Topic.Account] =
        [
            "I've reset the account and sent a new link to your mobile, so you should have it now. It's valid for the next hour.",
            "All done, the address is updated and the account is secure again. I've also turned on two-step verification for you.",
        ],
        [Topic.TechnicalFault] =
        [
            "Good news, I found a fault on the line and fixed it remotely. You should be back online within the next few minutes.",
            "An engineer is booked for tomorrow morning between eight and twelve, and I've credited this month's line rental for the trouble.",
        ],
        [Topic.Cancellation] =
        [
            "I've cancelled the contract with no exit fee, and refunded the last payment of {amount} pounds. You'll get a confirmation email today.",
            "That's all closed down for you now, and there's nothing more to pay. You can keep the router, there's no need to return it.",
        ],
    };

    private static readonly Dictionary<Topic, string[]> Setbacks = new()
    {
        [Topic.Billing] =
        [
            "I'm afraid I can't refund that today. I'll have to raise it with the billing team, and they take up to ten working days.",
            "Unfortunately the charge is correct under the terms of your contract, so I'm not able to remove it.",
        ],
        [Topic.Delivery] =
        [
            "I'm afraid I can't send a replacement until the courier has investigated, and that takes {days} working days.",
            "Unfortunately that model is out of stock, so the earliest we could send another one is in two weeks.",
        ],
        [Topic.Account] =
        [
            "I'm afraid I can't unlock the account over the phone. You'll need to visit one of our stores with photo I D.",
            "Unfortunately the security team has to review it first, and that takes {days} working days.",
        ],
        [Topic.TechnicalFault] =
        [
            "I'm afraid the earliest engineer appointment is in {days} days. I can't get anyone out sooner than that.",
            "Unfortunately it's a wider fault in your area, and there's no estimated fix date yet.",
        ],
        [Topic.Cancellation] =
        [
            "I'm afraid there's an early exit fee of {amount} pounds, because the contract still has time left to run.",
            "Unfortunately I can't cancel it today. It has to go through our retentions team, and they'll call you back.",
        ],
    };

    private static readonly Dictionary<Persona, string[]> Reactions = new()
    {
        [Persona.Satisfied] =
        [
            "That's wonderful, thank you so much! You've been really helpful, honestly!",
            "Oh brilliant, that's fantastic news! Thank you, that was so easy!",
            "Amazing, thank you! I wish every call was this quick!",
        ],
        [Persona.Neutral] =
        [
            "Okay, that's fine. Thanks for sorting it out.",
            "Right, okay. Thank you, that's all I needed.",
            "Alright. Thanks for checking that for me.",
        ],
        [Persona.Angry] =
        [
            "That is not good enough! I want this fixed today, not in two weeks!",
            "Unbelievable! I want to speak to your manager, right now!",
            "This is a joke! I've been a customer for ten years and I'm going to cancel everything!",
        ],
        [Persona.Sad] =
        [
            "Oh... okay. I suppose I'll just have to wait again. I don't know how I'm going to manage.",
            "Right... I really needed it sorted this week. It's been such a hard month.",
            "Okay... thank you anyway, I guess. I'll just have to cope somehow.",
        ],
        [Persona.Mixed] =
        [
            "Oh, really? That's such a relief, thank you so much! Sorry I was short with you earlier!",
            "Oh wow, thank you! Honestly, you've made my day, that's brilliant!",
            "Brilliant, finally! Thank you, that's wonderful, I really appreciate it!",
        ],
    };

    private static readonly string[] Closings =
    [
        "Is there anything else I can help you with today?",
        "Thanks for calling Northwind, and have a lovely rest of your day.",
        "You'll get a text confirming all of that shortly. Is there anything else I can do for you?",
    ];

    private static readonly Dictionary<Persona, string[]> Goodbyes = new()
    {
        [Persona.Satisfied] = ["No, that's everything, thanks so much, bye!", "That's perfect, you have a lovely day too, bye bye!"],
        [Persona.Neutral] = ["No, that's all. Bye.", "Okay, thanks. Goodbye."],
        [Persona.Angry] = ["No! You've done quite enough already!", "Don't bother! I'll be writing a formal complaint!"],
        [Persona.Sad] = ["No... that's all. Bye.", "No, thank you... goodbye."],
        [Persona.Mixed] = ["No, that's all, thank you so much, really!", "That's everything, you've been great, bye!"],
    };
}
