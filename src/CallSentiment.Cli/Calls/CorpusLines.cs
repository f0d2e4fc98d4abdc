namespace CallSentiment.Cli.Calls;

/// <summary>
/// What the development corpus's customers and agents say. Customer lines carry their polarity in the words alone
/// (the TTS voice is flat); the lines at even positions are for fitting calls, those at odd positions for reporting
/// calls, so no sentence is in both parts. Agents are polite and neutral throughout, and apologise and fix things
/// on calls that go wrong, as real agents do.
/// </summary>
internal static class CorpusLines
{
    public static readonly string[] Negative =
    [
        "I have been waiting for three weeks and my parcel still has not arrived. This is unacceptable.",
        "You charged me twice this month and nobody has fixed it. I am really angry about this.",
        "My internet has been down for four days and every time I call I get a different excuse.",
        "This is the worst service I have ever had. I am fed up with your company.",
        "I was promised a call back yesterday and nobody called. I am very disappointed.",
        "The phone you sent me is broken and the replacement is broken too. This is ridiculous.",
        "I have been on hold for forty minutes. This is a terrible way to treat customers.",
        "Your engineer did not turn up and I took a day off work for nothing. I am furious.",
        "I cancelled this contract two months ago and you are still taking money from my account.",
        "Nobody listens to me. I have explained this problem five times and it is still not solved.",
        "The bill is wrong again. I am sick of checking every single line.",
        "My card was blocked while I was abroad and I could not pay for my hotel. It was awful.",
        "I am extremely unhappy. The delivery driver left my package in the rain and it is ruined.",
        "This is a disgrace. You lost my documents and now I have to start all over again.",
        "I hate having to call you every week about the same fault. It never gets fixed.",
        "You sent me the wrong order for the third time. I want my money back.",
        "The app keeps crashing and I cannot get into my account. It is really frustrating.",
        "I am upset because your staff were rude to me in the shop.",
        "I want to make a formal complaint. The service has been awful from start to finish.",
        "Your price went up again without any warning. I feel cheated.",
        "I am so angry. The repair made things worse and now nothing works at all.",
        "It is unbelievable that a simple address change has taken six weeks.",
        "My claim was rejected for no reason and nobody will explain why. This is unfair.",
        "I am really disappointed with the quality. It broke after two days.",
    ];

    public static readonly string[] Neutral =
    [
        "I would like to change the address on my account please.",
        "Can you tell me when my next bill is due?",
        "I am calling to check the status of my order.",
        "My account number is four five seven two one.",
        "I need to update my phone number. The new one ends in three nine.",
        "Could you explain what the charge on the fifth of March is for?",
        "I would like to know the opening hours of the shop in the city centre.",
        "I am moving house next month and want to transfer my service.",
        "Can I pay my bill by bank transfer instead of card?",
        "I want to add my partner as a second user on the account.",
        "What documents do I need to send for the claim?",
        "I would like to switch to paperless billing.",
        "The parcel is for my neighbour at number twelve.",
        "Can you confirm the delivery date for the new sofa?",
        "I received a letter about a change to my tariff and I have a question about it.",
        "I need a copy of my statement for last year.",
        "My postcode is M one four five A B.",
        "I would like to book an engineer visit for next Tuesday.",
        "Is it possible to change my payment date to the first of the month?",
        "I am calling about the reference number on my email.",
        "How long does a refund normally take to reach my account?",
        "I want to check which plan I am on at the moment.",
        "My date of birth is the second of June nineteen eighty.",
        "Could you send the contract to my email address?",
    ];

    public static readonly string[] Positive =
    [
        "Thank you so much, that was really helpful.",
        "The new router works perfectly now. I am very happy with it.",
        "I just wanted to say your engineer was fantastic yesterday.",
        "That is great news, thank you for sorting it out so quickly.",
        "I love the new app. It is so much easier to use.",
        "You have been brilliant today. I really appreciate your help.",
        "Everything arrived on time and in perfect condition. Excellent service.",
        "I am delighted with the refund, thank you.",
        "Wonderful, that is exactly what I needed.",
        "The staff in the shop were lovely and very friendly.",
        "I am really pleased with the new contract. It saves me a lot of money.",
        "Thanks a lot, you made this very easy for me.",
        "Great, the problem is fixed and the connection is much faster now.",
        "I want to thank the team, they did an amazing job.",
        "Perfect, I am glad this is all sorted. You were very kind.",
        "The delivery driver was really helpful and polite.",
        "That is excellent, I am so relieved it works again.",
        "Brilliant, I will definitely recommend you to my friends.",
        "I am very satisfied with the service this year.",
        "Lovely, thank you for being so patient with me.",
        "What a great result, thank you very much.",
        "I am happy with the solution, it works really well.",
        "Fantastic, that is much better than I expected.",
        "Thank you, you have made my day.",
    ];

    public static readonly string[] AgentGreeting =
    [
        "Thank you for calling, my name is Sarah. How can I help you today?",
        "Good morning, you are through to customer service. How can I help?",
        "Hello, thank you for calling. My name is David. What can I do for you?",
    ];

    /// <summary>After a complaint: apologies, empathy, refunds and fixes, all polite.</summary>
    public static readonly string[] AgentAfterNegative =
    [
        "I am sorry to hear that. Let me look at your account.",
        "I apologise for the inconvenience. I will process the refund for you.",
        "I understand your frustration. I have escalated this to our technical team.",
        "I am very sorry about that. I have booked a new appointment for you.",
        "I understand. I will make sure this is fixed today.",
        "I am sorry for the trouble. I have added a credit to your account.",
    ];

    public static readonly string[] AgentAfterNeutral =
    [
        "Certainly, let me check that for you.",
        "Of course. I have updated your details.",
        "Yes, I can help with that. One moment please.",
        "That is done. You will receive a confirmation by email.",
        "Thank you. I can see your account here.",
        "No problem, I have made that change for you.",
    ];

    public static readonly string[] AgentAfterPositive =
    [
        "I am glad to hear that.",
        "That is great, thank you for letting us know.",
        "Thank you, I will pass that on to the team.",
        "It is a pleasure, I am happy it worked out.",
    ];

    public static readonly string[] AgentClosing =
    [
        "Is there anything else I can help you with today?",
        "Thank you for calling. Have a nice day.",
        "Thank you for your patience. Goodbye.",
    ];
}
