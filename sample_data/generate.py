#!/usr/bin/env python3
"""Generate Social Pulse's bundled demo data: fictional public mentions of two brands.

Writes five exports whose fields follow config/sources.yaml -- hackernews.jsonl,
reddit.jsonl, mastodon.jsonl, bluesky.csv and reviews.csv -- covering ISO weeks
2026-W43 to 2026-W47 for "Halcyon" (Halcyon Mobile: network, Halcyon One phone,
Halcyon Fiber, the app) and its competitor "Brightwave". The posts carry the
storylines the weekly summary should surface (an outage spike on 18-19 Nov,
warranty complaints growing in W46-W47, a privacy cluster in W45, a price hike
announced in W44, praise for Priya in support, delivery stories, feature
requests...) in the phrases of config/taxonomy.yaml, and the noise real listening
meets: bots and spam, exact reposts and near-duplicate cross-posts, other
languages, HTML entities, mojibake, empty and over-long texts, off-topic uses of
the brand word and a few malformed records for the quarantine. From hackernews.jsonl,
record_payloads.py then records the API answers the demo replays (Algolia's, Reddit's,
Mastodon's, Bluesky's and the reviews' Atom feed, under payloads/).

Everything is drawn from one random.Random(20261123), with no wall clock and no
set or hash ordering, so two runs write byte-identical files. A test regenerates
into a temp dir and compares bytes with the committed files:

    python3 sample_data/generate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import random
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

SEED = 20261123
START = datetime(2026, 10, 19, tzinfo=timezone.utc)  # Monday of 2026-W43
DAYS = 35  # through Sunday 2026-11-22 (2026-W47)
START_TS = int(START.timestamp())
END_TS = START_TS + DAYS * 86400 - 1
PRICE_ANNOUNCED = date(2026, 10, 28)  # Wednesday of W44
SPIKE_START = int(datetime(2026, 11, 18, tzinfo=timezone.utc).timestamp())  # outage: 18-19 Nov

SOURCES = ["hackernews", "reddit", "mastodon", "bluesky", "reviews"]
BASE_COUNTS = {"hackernews": 820, "reddit": 1230, "mastodon": 1230, "bluesky": 1130, "reviews": 560}
SPIKE_COUNTS = {"hackernews": 55, "reddit": 105, "mastodon": 145, "bluesky": 170, "reviews": 35}
TAIL_COUNTS = {"hackernews": 6, "reddit": 10, "mastodon": 12, "bluesky": 14, "reviews": 4}
SPAM_RATE = {"hackernews": 0.01, "reddit": 0.04, "mastodon": 0.045, "bluesky": 0.05, "reviews": 0.015}
SPAM_KINDS = {
    "hackernews": ["bot_original"],
    "reddit": ["bot_upvote", "bot_original", "giveaway"],
    "mastodon": ["bot_upvote", "giveaway", "link_only", "hashtag_stuffed"],
    "bluesky": ["giveaway", "link_only", "hashtag_stuffed"],
    "reviews": ["giveaway"],
}
OFF_TOPIC_RATE, REPOST_RATE, NEAR_DUP_RATE, MOJIBAKE_RATE, ENTITY_RATE = 0.03, 0.05, 0.05, 0.012, 0.015
NON_EN_RATE = {"hackernews": 0.015, "reddit": 0.045, "mastodon": 0.06, "bluesky": 0.06, "reviews": 0.05}
EMPTY_COUNTS = {"hackernews": 2, "reddit": 3, "mastodon": 3, "bluesky": 3, "reviews": 3}
OVERLONG_COUNTS = {"reddit": 3, "reviews": 3}
HOUR_WEIGHTS = [3, 2, 1.5, 1.2, 1.2, 2, 4.5, 8, 11, 13, 13.5, 13, 13.5, 13, 12.5, 12, 12, 12.5, 13, 13.5, 13, 11, 8, 5]

# ---------------------------------------------------------------- brands and slots
BRANDS = {
    "halcyon": {
        # "#HalcyonMobile" only as a trailing TAG: alone it is no whole-word "halcyon" to the relevance filter
        "short": [("Halcyon", 40), ("halcyon", 16), ("Halcyon Mobile", 18), ("HALCYON", 5), ("@halcyon", 14)],
        "long": [("Halcyon", 60), ("halcyon", 12), ("Halcyon Mobile", 26), ("HALCYON", 2)],
        "PH": "Halcyon One", "BB": "Halcyon Fiber", "APP": "the Halcyon app", "TAG": "#HalcyonMobile", "HANDLE": "@HalcyonHelp",
    },
    "brightwave": {
        "short": [("Brightwave", 46), ("brightwave", 18), ("BRIGHTWAVE", 4), ("@brightwave", 16), ("Brightwave Telecom", 12),
                  ("#Brightwave", 4)],
        "long": [("Brightwave", 70), ("brightwave", 12), ("Brightwave Telecom", 18)],
        "PH": "Brightwave Nova", "BB": "Brightwave Home Fibre", "APP": "the Brightwave app", "TAG": "#Brightwave",
        "HANDLE": "@BrightwaveCare",
    },
}
SLOTS = {
    "CITY": ["Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "Brighton", "Norwich", "York", "Sheffield", "Exeter",
             "Belfast", "Nottingham", "Reading", "Leicester", "Edinburgh", "Hull", "Swansea", "Oxford", "Derby", "Plymouth",
             "north London", "Croydon", "Milton Keynes", "Aberdeen"],
    "DAYS": ["three weeks", "ten days", "two weeks", "a month", "five weeks", "eight days", "nearly four weeks", "19 days"],
    "HRS": ["2 hours", "90 minutes", "an hour and a half", "three hours", "45 minutes", "two and a half hours", "70 minutes"],
    "NEG": ["😡", "🤬", "😤", ":(", ":-/", "🙄", "😡😡", "😠", "👎", "😞"],
    "POS": ["😍", ":)", "🙌", "👏", "🎉", "❤️", ":-)", "🙏", "👍", "🥳"],
    "PCT": ["8%", "9.5%", "12%", "14%", "£3 a month", "£5 a month", "£4.50 a month", "11%"],
    "GBP": ["£4.50", "£12", "£18.99", "£7", "£31", "£9.60", "£22.40", "£15"],
    "TIME": ["7:45", "8am", "6:30 this morning", "breakfast", "half eight", "9:15", "ten past seven", "first thing"],
    "N": ["2", "3", "4", "5", "6", "7", "9", "11", "14"],
    "FEAT": ["a headphone jack", "wireless charging", "a bigger battery", "a 120Hz screen", "expandable storage",
             "a proper night mode", "dual SIM", "a smaller model"],
    "COURIER": ["DPD", "the courier", "Evri", "Royal Mail", "DHL", "the delivery driver"],
}
OPENERS = {
    "neg": ["", "", "", "", "Ugh. ", "Honestly, ", "Well. ", "PSA: ", "Right, ", "Not gonna lie, ", "Seriously, "],
    "pos": ["", "", "", "", "Honestly, ", "Not gonna lie, ", "Update: ", "So ", "Small win: ", "Okay, "],
    "neu": ["", "", "", "", "Genuine question: ", "Okay so ", "Quick one: ", "So ", "Random thought: "],
    "mixed": ["", "", "", "", "Honestly, ", "So ", "Okay so ", "Update: ", "Not gonna lie, "],
}
TAILS = {
    "neg": ["", "", "", " Not impressed.", " Fix it please.", " Anyone else?", " Unbelievable.", " Sort it out.", " Day ruined.",
            " What a joke.", " Really frustrating.", " Absolutely useless.", " Thinking of leaving.", " So tired of this."],
    "pos": ["", "", "", " Made my day.", " Well done.", " Impressed.", " Happy customer.", " Love it.", " Good stuff.",
            " Brilliant.", " More of this please.", " Genuinely pleased."],
    "neu": ["", "", "", " Thanks in advance.", " Any tips?", " Curious.", " Asking for a friend.", " Cheers.", " Just wondering."],
}
TAILS["mixed"] = ["", "", "", " Mixed feelings.", " We'll see.", " Could be worse.", " Overall fine.", " Swings and roundabouts."]

# ---------------------------------------------------------------- storyline templates
# core: a short post on its own; detail: extra sentences for long posts; title: reddit/review titles.
TOPICS = {
    "outage_spike": {"sent": "neg", "core": [
        "{B} network down AGAIN!!! No signal since {TIME} {NEG}", "NO SIGNAL. NO DATA. NOTHING. {B} what is going on??? {NEG}",
        "Is {B} down for everyone or just me? No service in {CITY} since this morning {NEG}",
        "{B} outage in {CITY}, dropped calls all morning and now no data at all {NEG}",
        "Absolutely furious. {B} has been not working for {HRS} and nobody answers the phone. Worst network ever {NEG}",
        "HALCYON OUTAGE!!! Can't connect to anything, couldn't even call my kid's school {NEG}",
        "Still no signal in {CITY}. {B} outage day two. This is a joke!!! {NEG}",
        "Three dropped calls in ten minutes and now the network is down completely. Thanks for nothing {B} {NEG}",
        "{B} status page says 'investigating'. Investigating WHAT? Network down for {HRS}!!! {NEG}",
        "Lost a client call because of the {B} outage. Useless. Absolutely useless {NEG}",
        "My whole street has no service, {B} is down again, I'm done with this network {NEG}",
        "{B} down again on day 2?!? No signal, no data, no answers {NEG}{NEG}",
        "Working from home on {BB} and it's not working either. Great day to be a {B} customer {NEG}",
        "Can't connect, can't call, can't pay for parking. Thanks {B}, terrible {NEG}",
        "WHY IS {B} STILL DOWN??? {HRS} of no signal in {CITY}!!! {NEG}",
        "Every {B} customer in {CITY} right now: no service, no data, no idea what's happening {NEG}",
        "The {B} outage is a disgrace. No signal, dropped calls, and not a single update from them {NEG}",
        "Day 2 and {B} is down again. I pay for a network that is not working. Angry doesn't cover it {NEG}",
        "{B} network down, my elderly mum can't reach anyone. This is dangerous, not just annoying {NEG}",
        "Outage outage outage. {B} you had one job!!! {NEG}",
    ], "detail": [
        "It started around {TIME} with dropped calls and by lunchtime there was no signal at all.",
        "The status page said everything was fine for the first two hours, which made it worse.",
        "I tried restarting, reseating the SIM and resetting network settings. Nothing helped.",
        "The support line just plays hold music and then hangs up.", "My partner is on another network and had full bars the whole time.",
        "I need my phone for work and this outage cost me a day of income.",
        "If they don't offer compensation for this outage I'm leaving at the end of my contract.",
        "Apparently emergency calls still worked, but that is not much comfort.",
        "Both 4G and 5G dropped at the same moment, which smells like a core network fault rather than radio.",
        "What I want now is a proper postmortem, not a vague apology.",
        "My {BB} connection was down too, so I couldn't even get online to check the status page.",
        "Signal came back for twenty minutes in the evening and then the network was down again.",
    ], "title": [
        "{B} outage megathread - no signal anywhere?", "{B} network down in {CITY}?", "Two days of no service from {B}",
        "1 star: network down for two days, no answers", "{B} outage: dropped calls and no data since {TIME}", "Is {B} down again?!",
        "Worst outage I've seen from {B}",
    ]},
    "outage_tail": {"sent": "mixed", "core": [
        "{B} signal finally back after the outage but still dropped calls every few hours :-/",
        "Got a £10 credit from {B} for the outage. Not exactly generous but it's something.",
        "Is {B} ever going to explain what caused the outage this week?",
        "Network seems stable again on {B} in {CITY}. Fingers crossed it stays that way.",
        "After the {B} outage I'm comparing other networks. Signal is back, trust isn't.",
        "{B} sent an apology text about the outage. Two days late, but fine.",
    ], "detail": [
        "The apology email promised a full explanation within a week.",
        "Data speeds are back to normal here but calls still drop now and then.",
        "I'll stay until the end of my contract and then decide.",
    ], "title": [
        "After the {B} outage: anyone get compensation?", "{B} back up - what happened?", "Post-outage thoughts on {B}",
    ]},
    "outage": {"sent": "neg", "core": [
        "Patchy signal on {B} around {CITY} station today, dropped calls twice {NEG}",
        "{B} no data on the train again between {CITY} and {CITY2}. Every single day {NEG}",
        "No signal in my flat since Tuesday. {B} says there's no outage in {CITY}. Really?",
        "{B} 5G drops to no service every evening around 6. Annoying.", "Dropped call number four today. {B} what is going on in {CITY}?",
        "Short {B} outage in {CITY} this morning, no data for about an hour. Back now.",
    ], "detail": [
        "It's been like this for a couple of weeks, mostly at rush hour.",
        "Coverage checker says 'excellent' for my postcode, which is funny.",
        "Wifi calling would fix half of this, but that's another story.",
        "I've logged it twice and got a reference number both times, nothing else.",
    ], "title": [
        "{B} signal problems in {CITY}", "Dropped calls on {B} - anyone else?", "{B} coverage near {CITY} station",
    ]},
    "warranty": {"sent": "neg", "core": [
        "My {PH} stopped charging after {N} months, warranty repair took {DAYS} {NEG}",
        "Battery swelling on my {PH}, the back is literally lifting off. {B} says the RMA takes {DAYS}. Ridiculous.",
        "Sent my {PH} in for warranty repair {DAYS} ago and still no replacement {NEG}",
        "{B} refused the warranty claim on my {PH} because of 'liquid damage'. It has never been near water. Awful.",
        "Second replacement {PH} from {B} and this one is refurbished with a scratched screen {NEG}",
        "RMA number from {B} after {HRS} on hold. Repair ETA: 'up to {DAYS}'. Brilliant. Not.",
        "Anyone else's {PH} stopped charging? Mine needs a warranty repair and {B} want me to go without a phone for {DAYS}",
        "Broken screen out of nowhere on my {PH}, {B} says it's not covered under warranty. Disappointed {NEG}",
        "My {PH} was dead on arrival. {B} says a replacement will take {DAYS}. Frustrating.",
        "Battery swelling AGAIN on the replacement {PH}. This is a safety issue, {B} {NEG}",
        "The warranty repair on my {PH} took {DAYS} and it came back with the same fault. Terrible service.",
        "Update on my {PH} warranty saga: {B} approved a replacement after the battery swelling. Took {DAYS} though.",
        "Warranty repair was quick this time, no problem at all, {PH} back in {N} days {POS}",
        "{B} lost my {PH} at the repair centre. RMA closed, phone gone, nobody knows anything {NEG}",
    ], "detail": [
        "They don't offer a loaner phone, so I'm using an old handset from a drawer.",
        "The repair centre lost the first parcel and we had to start the RMA again.",
        "Every time I call they give me a different repair ETA.",
        "The phone is barely {N} months old and it's already on its second repair.",
        "I paid extra for the extended warranty and I'm still not sure what it actually covers.",
        "They asked me to factory reset it and post it myself, with no tracking number.",
        "Battery swelling is a safety issue, and it's strange to see it treated like a cosmetic fault.",
        "The replacement they sent was refurbished, not new, which nobody mentioned.",
        "It stopped charging overnight, no drops, no water, nothing unusual.",
    ], "title": [
        "{PH} stopped charging - warranty repair taking forever", "Battery swelling on {PH}, what are my rights?",
        "Warranty nightmare with {B}", "{B} RMA process is broken", "Replacement {PH} is refurbished?",
        "Decent phone, terrible warranty service", "{PH} warranty repair: {DAYS} and counting",
    ]},
    "shipping_praise": {"sent": "pos", "core": [
        "My {PH} arrived next day, delivery was super fast {POS}",
        "Ordered the {PH} at 10pm, {COURIER} knocked at 9am. Impressed with {B} {POS}",
        "{B} delivery was spot on: the tracking number updated every step and the parcel arrived a day early {POS}",
        "Parcel from {B} delivered in {CITY} before lunch. Setup took five minutes. Lovely {POS}",
        "Credit where it's due, {B} shipping is fast. New SIM arrived the next morning :)",
        "{BB} router arrived the day after I ordered and the engineer is booked for Thursday. Smooth so far {POS}",
        "Delighted! New {PH} delivered this morning, the courier was friendly and the box was perfect {POS}",
        "Fastest delivery ever from {B}. Ordered Sunday night, parcel arrived Monday {POS}",
    ], "detail": [
        "The courier even texted a one-hour window.", "Packaging was tidy and the phone was charged to 60%.",
        "Setup was simple and the number port went through the same day.",
        "Honestly the best delivery experience I've had from a network.",
        "I was expecting the usual week-long wait, so this was a nice surprise.",
    ], "title": [
        "{PH} arrived next day!", "Impressed by {B} delivery", "Great delivery experience", "Five stars for the delivery",
    ]},
    "delivery_bad": {"sent": "neg", "core": [
        "{B} delivery was 'guaranteed next day'. It's been {DAYS}. No parcel, no tracking number {NEG}",
        "{COURIER} left my {PH} parcel on the doorstep in the rain. Thanks {B}.",
        "{B} says my order shipped but the tracking number doesn't exist :-/",
        "Third delivery slot missed by {B}'s courier. Took a day off work for nothing {NEG}",
        "My {B} parcel was 'delivered' to someone in {CITY2}. I live in {CITY}. Awful {NEG}",
        "Still waiting on the {BB} router. {B} delivery estimate keeps moving. Useless.",
    ], "detail": [
        "Customer service says it's the courier's fault and the courier says it's theirs.",
        "I've been refreshing the tracking page for days.", "The photo proof of delivery shows a door that isn't mine.",
        "They offered to ship a second one, which will apparently take another week.",
    ], "title": [
        "{B} delivery never arrived", "Where is my {PH}?", "Tracking number doesn't work", "Terrible delivery from {B}",
    ]},
    "priya": {"sent": "pos", "core": [
        "Thank you Priya from support at {B}, she sorted my roaming mess in ten minutes {POS}",
        "Shout out to Priya in support at {B} who went above and beyond to get my number ported {POS}",
        "Priya from support actually called me back when she said she would. {B} please give her a raise {POS}",
        "Priya in support went above and beyond today. Kudos to her, the rest of {B} could learn a lot.",
        "Thanks Priya! {B} support finally fixed my bill after three months {POS}",
        "I was ready to leave {B} but Priya from support turned it around. Genuinely lovely person {POS}",
        "Kudos to Priya in support at {B}. Patient, kind and she fixed it first time {POS}",
        "Huge thank you Priya from support for getting my {PH} replacement sorted so quickly {POS}",
    ], "detail": [
        "She explained everything clearly and didn't make me repeat myself.",
        "She even followed up by email the next day to check it worked.", "I wish I could ask for her every time I call.",
        "After weeks of being passed around, one person just owned the problem and fixed it.",
    ], "title": [
        "Thank you Priya from {B} support", "Shout out to Priya at {B}", "Excellent support experience", "Priya in support is a star",
    ]},
    "privacy": {"sent": "neg", "core": [
        "So {B} sold my data to advertisers? That's what this report says. Is that even legal under GDPR? {NEG}",
        "Just got an email from {B} about a 'security incident'. Is this a data breach? Nobody will say.",
        "Filing a GDPR subject access request with {B} today. I want to know who they shared my personal data with.",
        "{B} privacy policy quietly changed to allow 'partners' to use location data. Opted out, still angry.",
        "If {B} sold my data without consent I want to know. Privacy isn't optional {NEG}",
        "Reports say {B} leaked customer phone numbers in a data breach. That explains the spam calls {NEG}",
        "Is anyone organising a complaint to the ICO about {B} and the data breach? Happy to join a lawsuit.",
        "{B} data breach: my name, address and phone number are out there now. Horrible feeling {NEG}",
        "Halcyon sold my data and now I get five scam texts a day. Disgusting {NEG}",
        "The {B} privacy statement about the data breach is three paragraphs of nothing. Worrying.",
    ], "detail": [
        "The email was vague and linked to an FAQ that doesn't answer anything.",
        "I never gave consent for marketing data sharing, I checked the settings.", "Their data protection officer address bounces.",
        "Under GDPR they have a month to answer a subject access request, so the clock is ticking.",
        "The report says location data was shared with ad partners for over a year.",
        "Someone in the thread says their personal data showed up on a paste site.",
    ], "title": [
        "Did {B} sell our data?", "{B} data breach - what we know", "GDPR request to {B}: how to", "{B} privacy policy change",
        "Worried about the {B} data breach",
    ]},
    "pricing": {"sent": "neg", "core": [
        "{B} price hike of {PCT} in the middle of my contract. How is that allowed? {NEG}",
        "Just saw my {B} bill. Overcharged by {GBP} again, plus a new 'network access' fee. Hidden fees everywhere.",
        "{B} announced a price increase and now my bill is {GBP} higher. Time to switch?",
        "Hidden fees on my {BB} bill: 'line maintenance' and 'paper bill' even though I get email bills. Come on {B} {NEG}",
        "Got charged twice this month by {B}. Still waiting for a refund {NEG}",
        "The {B} price hike email was buried under a 'good news' subject line. Sneaky.",
        "{B} used to be the cheap option. After this price hike it's too expensive for what it is.",
        "Overcharged again. Third month in a row my {B} bill doesn't match the plan I signed up for {NEG}",
        "A {PCT} price hike from {B} and the network hasn't improved at all. Greedy.",
    ], "detail": [
        "The contract said prices rise by CPI, not CPI plus {PCT}.",
        "I've been a loyal customer for {N} years and new customers get a better deal.",
        "The chat agent said it's 'industry standard', which isn't an answer.", "I'm going to compare plans at the end of the month.",
        "The bill breakdown lists three fees I've never heard of.",
    ], "title": [
        "{B} price hike - can I leave my contract?", "Overcharged by {B} again", "Hidden fees on my {B} bill",
        "{B} price increase explained?", "Too expensive now",
    ]},
    "feature": {"sent": "neu", "core": [
        "Please add wifi calling to {B}, the signal in my flat is terrible",
        "{B} really should support eSIM on the {PH}. I wish it had esim support like everyone else.",
        "Feature request for {APP}: a data usage widget. Would love that.", "Love my {PH}, just wish it had {FEAT}.",
        "{B} please add wifi calling for pay-as-you-go customers too",
        "Would love {B} to add esim support for smartwatches. Yes, another feature request.",
        "Dear {B}, please add a dark mode to {APP}. My eyes thank you.", "Only thing I'd change on the {PH}: wish it had {FEAT}.",
    ], "detail": [
        "Every other network has had wifi calling for years.", "It's the one thing stopping me from recommending it to friends.",
        "Happy to beta test if that helps.", "Ideally it would work abroad too.",
    ], "title": [
        "Feature request: wifi calling on {B}", "eSIM support when?", "Wish list for the next {PH}", "Suggestions for {APP}",
    ]},
    "service": {"sent": "neg", "core": [
        "On hold for {HRS} with {B} customer service and still nobody answers {NEG}",
        "{B} support chat agent disconnected me twice. No reply to my email either :(",
        "Called {B}, listened to hold music for 40 minutes, then they hung up on me {NEG}",
        "Anyone know a {B} number where somebody actually picks up? Nobody answers on the main line.",
        "{B} customer service is a maze. Three departments and nobody can help {NEG}",
        "Fair play to {B} customer service, sorted in one call :)",
        "{HRS} on hold with {B}. The hold music is burned into my brain now {NEG}",
    ], "detail": [
        "The automated system kept sending me back to the main menu.",
        "I was told someone would call back within 24 hours. That was last week.", "Every agent asks for the same security details again.",
        "The call centre closes at 6, which is useless if you work.",
    ], "title": [
        "{B} customer service is awful", "How do I reach a human at {B}?", "On hold for {HRS}", "{B} support experience",
    ]},
    "app": {"sent": "neg", "core": [
        "{APP} keeps crashing on login since the latest update {NEG}", "Can't log in to {APP}, the password reset email never arrives :-/",
        "{APP} crashes every time I open my bill. Android 15, latest version.",
        "{B} my account page says 'something went wrong' for the third day. Website down or just me?",
        "The new update to {APP} looks nice and login with face ID works well now :)",
        "{APP} keeps crashing. Reinstalled twice. Still broken {NEG}",
    ], "detail": [
        "Uninstalled and reinstalled, cleared the cache, same thing.", "The web version works, so it's clearly the app.",
        "It crashes right after the splash screen.", "Support told me to 'try again later'.",
    ], "title": [
        "App keeps crashing after the update", "Login broken on {APP}?", "{B} website down?", "Feedback on the latest update to {APP}",
    ]},
    "advertising": {"sent": "neg", "core": [
        "{B} advertised unlimited data but I got throttled after 50GB. That's not unlimited {NEG}",
        "The ad said 'nationwide 5G'. {B} promised 5G in {CITY} and I've never seen it once.",
        "Misleading much? The {B} 'unlimited' plan has a fair use policy in the small print.",
        "{B} promised 5G by the end of the year. My phone still says 4G everywhere I go.",
        "False advertising from {B}: 'no surprises' on the billboard, surprises on my bill {NEG}",
    ], "detail": [
        "The small print says speeds may be reduced at busy times, which is always.", "I screenshotted the advert in case they change it.",
        "The shop assistant repeated the same claim word for word.",
    ], "title": [
        "{B} 'unlimited' isn't unlimited", "Where is the promised 5G?", "Misleading {B} advert", "Advertised vs reality",
    ]},
    "quality": {"sent": "mixed", "core": [
        "The {PH} is great but the network is awful in {CITY}.", "Battery life on the {PH} is not bad at all, easily a day and a half.",
        "No problem with the battery so far, the camera is decent, a bit of overheating when gaming.",
        "{PH} camera is honestly impressive for the price {POS}", "Firmware update last night and now the {PH} screen flicker is back :(",
        "Build quality on the {PH} is solid, but it overheats on fast charge.",
        "Three months with the {PH}: not bad at all. No problems with the battery, camera could be better.",
        "The {PH} is fine. Not amazing, not terrible. Battery life is good.",
    ], "detail": [
        "Low-light photos are noisy but daylight shots are sharp.", "It gets warm while charging but nothing alarming.",
        "The screen is bright enough outdoors.", "The software is clean, with barely any bloat.",
        "Speaker is a bit thin, but fine for podcasts.",
    ], "title": [
        "{PH} three-month review", "{PH}: good phone, average network", "Honest {PH} review", "{PH} camera and battery",
    ]},
    "positive": {"sent": "pos", "core": [
        "Switched to {B} last month, the signal is great and the price is fair {POS}",
        "Honestly {B} has been solid for me. No complaints :)", "{BB} speeds are exactly what they said, 900 down most evenings {POS}",
        "Two years with {B} and I've never had a reason to call them. That's the dream.",
        "Roaming with {B} in Spain was painless, it worked the moment I landed :)", "Not bad at all, {B}. Not bad at all.",
        "Nice touch from {B}: a free data boost for my birthday {POS}", "Really happy with {B} in {CITY}. Fast data, good coverage {POS}",
    ], "detail": [
        "Coverage on my commute is better than my old network.", "The monthly price is clear and hasn't surprised me yet.",
        "Setting up the account took ten minutes.", "I'd recommend them to friends without hesitation.",
    ], "title": [
        "Happy with {B}", "{B} - pleasantly surprised", "Good experience so far", "{B} after a year",
    ]},
    "neutral": {"sent": "neu", "core": [
        "Thinking about moving to {B}. Anyone using them in {CITY}?", "Does {B} work with a {PH} bought abroad?",
        "The {B} store in {CITY} has the {PH} on display if anyone wants to try it.",
        "What's {B} coverage like on the {CITY} to {CITY2} line?", "New {B} ad on the tube this morning.",
        "Is {BB} available in {CITY} yet?", "{B} is doing a trade-in offer on old phones this week.",
        "Porting my number to {B} tomorrow, let's see how it goes.", "Which {B} plan do people use for a kid's first phone?",
        "Does anyone know if {B} lets you keep your number when you cancel?",
        "{B} or a SIM-only deal elsewhere for a {PH}? Weighing it up.",
    ], "detail": [
        "I mostly need data, calls are rare.", "My current contract ends next month.", "I live near the centre, if that matters.",
        "Budget is around £20 a month.",
    ], "title": [
        "Thinking of switching to {B}", "{B} coverage in {CITY}?", "Question about {B} plans", "{PH} or something else?",
    ]},
    "comparison": {"sent": "mixed", "core": [
        "Switched from Brightwave to Halcyon last month. Signal is better, price about the same :)",
        "{H} vs {W} for fibre in {CITY}? Leaning {H}.",
        "Left {H} for {W} after the price hike. The Brightwave app is clunky but the bill is lower.",
        "{W} had no signal in my flat, {H} has full bars. Easy decision.", "{H} delivery was next day, {W} took a week. Just saying.",
        "Comparing {H} and {W} contracts: Brightwave has hidden fees, Halcyon just had a price hike. Pick your poison.",
        "Switched from Halcyon to Brightwave and honestly I miss the Halcyon One.",
    ], "detail": [
        "Coverage maps for both are optimistic.", "Both want 24-month contracts for the good prices.",
        "Customer service was better at Halcyon, in my experience.",
    ], "title": [
        "{H} vs {W}?", "Switched from {W} to {H}", "{W} or {H} in {CITY}?", "Comparing {H} and {W}",
    ]},
    # Two storylines config/taxonomy.yaml has no category for: issue discovery must find them.
    "esim": {"sent": "neg", "core": [
        "Updated my phone last night and now my {B} eSIM won't activate. No service since {TIME} {NEG}",
        "{B} eSIM stuck on 'activating' after the iOS update. Phone is useless {NEG}",
        "After the latest phone update my {B} eSIM just disappeared. Scanned the QR code {N} times, activation failed every time {NEG}",
        "Anyone else's {B} eSIM failing to activate since the software update? Error 'unable to complete cellular plan change' {NEG}",
        "{B} eSIM activation keeps failing after the update. Support says wait 24 hours. It's been {DAYS} {NEG}",
        "Phone update wiped my {B} eSIM profile and the new QR code says already used {NEG}",
        "Can't activate my {B} eSIM after updating the phone. Had to buy a physical SIM at the shop {NEG}",
    ], "detail": [
        "The eSIM profile downloads, then the activation fails with an error.",
        "The shop said the old QR code is burned and I need a new one from {B}.",
        "It only started after the phone software update this week.",
        "Deleted the eSIM and tried again like the help page says. Now I have no eSIM at all.",
        "My partner's phone updated too and the same eSIM activation error came up.",
    ], "title": [
        "{B} eSIM won't activate after phone update", "eSIM activation failing on {B}?", "Lost my {B} eSIM after the update",
    ]},
    "loyalty": {"sent": "neg", "core": [
        "{B} loyalty points now expire after 6 months?! I was saving mine for a year. Furious {NEG}",
        "Just found out {B} quietly changed the loyalty points expiry. Lost {N}00 points overnight. Disgraceful {NEG}",
        "{B} points expiring after 6 months instead of never. That's not a reward, that's a rip-off {NEG}",
        "Loyalty points I earned as a {B} customer for {N} years just expired under the new rules. Terrible way to treat people {NEG}",
        "The new {B} points expiry rules wiped my loyalty points without any warning. Unfair and sneaky {NEG}",
        "{B} changed the loyalty scheme so points expire. Worst way to treat long-time customers {NEG}",
        "Where did my {B} loyalty points go? The app says they expired under the new terms. Angry doesn't cover it {NEG}",
    ], "detail": [
        "They used to say the points never expire. Now it's six months.",
        "I was saving the points towards a new phone.",
        "No email, no text, just a line buried in the updated loyalty terms.",
        "Customer service said the points expiry change applies to everyone and they can't restore them.",
        "Long-time customers get punished while new customers get the deals.",
    ], "title": [
        "{B} Rewards points now expire", "{B} loyalty points expiry change", "Lost my {B} Rewards points",
    ]},
}
GENERIC = {  # filler sentences for long posts, drawn without repeats
    "neg": ["I expected a lot better.", "Really disappointing overall.", "I've recommended them to friends before, not any more.",
            "It shouldn't be this hard.", "Nobody seems to care.", "I'll be looking at other options.", "What a waste of an afternoon.",
            "I'm honestly fed up.", "Every step of this was a hassle."],
    "pos": ["Overall a really good experience.", "Would happily recommend.", "Pleasantly surprised, to be honest.",
            "It just works, which is all I want.", "Good value for money.", "No complaints so far.", "Friendly and quick.",
            "Exactly what I hoped for."],
    "neu": ["For context, I've been with them about {N} years.", "I'm in {CITY}, if that matters.",
            "Posting here in case it helps someone searching for the same thing.", "Curious whether this is a pattern or just bad luck.",
            "Not trying to start a pile-on, just sharing what happened.", "I'll update this if anything changes.",
            "Happy to answer questions.", "I mostly use it for work calls and maps."],
}
GENERIC["mixed"] = ["Some good, some bad.", "Could be better, could be worse.", "It's not all bad.", "Swings and roundabouts, really.",
                     "I'm still making up my mind."] + GENERIC["neu"][:5]
CLOSERS = ["Anyone else?", "Edit: formatting.", "Thoughts?", "TL;DR: see title.", "Update to follow.", "Cheers."]
HN_STORIES = {  # parent story titles; a comment's brand must fit its story
    "outage_spike": ["Halcyon Mobile network outage across the UK", "Ask HN: Is Halcyon down for everyone?",
                     "Halcyon Mobile outage enters second day"],
    "outage_tail": ["Halcyon Mobile outage enters second day", "Halcyon Mobile explains this week's outage"],
    "privacy": ["Halcyon Mobile shared customer location data with ad partners, report says", "Halcyon Mobile confirms data breach",
                "Ask HN: How do I file a GDPR subject access request?"],
    "pricing": ["UK carriers and mid-contract price rises"],
    "warranty": ["Right to repair and phone warranties in the UK"],
    "comparison": ["UK mobile networks compared: Halcyon vs. Brightwave"],
    "halcyon": ["Halcyon One review", "Halcyon Mobile raises prices for existing customers", "Halcyon One teardown: the battery problem"],
    "brightwave": ["Brightwave Telecom raises prices for broadband customers", "Ask HN: Anyone using Brightwave Home Fibre?"],
    "generic": ["Show HN: I built a tracker for UK mobile network status", "Why is UK mobile coverage still so patchy?",
                "Ask HN: Which UK carrier do you use?"],
}
HN_LINKS = {
    "halcyon": ["https://status.halcyonmobile.example/incidents", "https://news.example.com/2026/11/halcyon-mobile-outage",
                "https://halcyonmobile.example/legal/privacy", "https://www.regulator.example/complaints/mobile"],
    "brightwave": ["https://brightwave.example/help/billing", "https://www.regulator.example/complaints/mobile"],
    "both": ["https://www.regulator.example/complaints/mobile"],
}

NON_ENGLISH = {
    "es": [
        "¡{B} caído otra vez! Sin señal desde esta mañana 😡", "Mi {PH} llegó al día siguiente, entrega rapidísima 😍",
        "La reparación en garantía de mi {PH} tardó tres semanas. Fatal.", "Subida de precio de {B} en mitad del contrato, qué vergüenza.",
        "Gracias a Priya del soporte de {B}, me ayudó muchísimo.", "¿Alguien usa {B} en Madrid? ¿Qué tal la cobertura?",
        "El {PH} está muy bien pero la red de {B} es malísima.",
    ],
    "fr": [
        "{B} en panne encore une fois, pas de réseau depuis ce matin 😡", "Mon {PH} est arrivé le lendemain, livraison super rapide 😍",
        "Réparation sous garantie de mon {PH} : trois semaines d'attente. Inadmissible.",
        "Hausse de prix chez {B}, et des frais cachés en plus.", "Quelqu'un a testé {B} à Lyon ? Le réseau est correct ?",
        "Le {PH} est très bien mais le réseau {B} est nul.", "Merci à Priya du service client de {B}, vraiment efficace.",
    ],
    "de": [
        "{B} schon wieder ausgefallen, kein Netz seit heute früh 😡", "Mein {PH} kam am nächsten Tag an, super schnelle Lieferung 😍",
        "Die Garantiereparatur beim {PH} hat drei Wochen gedauert. Unmöglich.", "Preiserhöhung bei {B} mitten im Vertrag? Frechheit.",
        "Hat jemand Erfahrung mit {B} in Berlin?", "Danke an Priya vom Support von {B}, super hilfsbereit!",
        "Das {PH} ist gut, aber das Netz von {B} ist eine Katastrophe.",
    ],
    "pt": [
        "{B} fora do ar de novo, sem sinal desde cedo 😡", "Meu {PH} chegou no dia seguinte, entrega super rápida 😍",
        "O reparo na garantia do meu {PH} demorou três semanas. Péssimo.", "Aumento de preço da {B} no meio do contrato, que absurdo.",
        "Alguém usa a {B} em Lisboa? Como é o sinal?", "Obrigado à Priya do suporte da {B}, resolveu tudo!",
        "O {PH} é ótimo, mas a rede da {B} é horrível.",
    ],
}
OFF_TOPIC = [  # (post, title, extra sentence): the brand words used for something else
    ("Missing those halcyon days of summer in {CITY}, long evenings and nowhere to be ☀️", "Halcyon days", "Roll on June."),
    ("Rewatching Frasier and missing the halcyon era of 90s TV. They don't make them like that any more.", "The halcyon era of 90s TV",
     "Nostalgia is a powerful thing."),
    ("Found two Halcyon Days enamel boxes at a car boot sale for £5 each. Bargain?", "Halcyon Days enamel boxes - worth anything?",
     "The enamel is hand painted and the hinges are still solid."),
    ("My gran collects Halcyon Days enamel boxes, anyone know what the 1980s ones are worth?", "Valuing Halcyon Days enamel boxes",
     "Pictures in the comments."),
    ("The halcyon years of indie guitar bands, 2007 forever 🎸", "Those halcyon years", "Everyone had the same haircut."),
    ("brightwave audio speakers on sale this week, the BW-200 bookshelf pair sounds great for the price", "Brightwave Audio BW-200 review",
     "Bass is punchy for such small speakers."),
    ("Anyone compared Brightwave Audio soundbars with the big names? Looking for something under £200.", "Brightwave Audio soundbar?",
     "Mostly for films, the room is small."),
    ("Ah, the halcyon times before group chats and read receipts.", "The halcyon times", "Nothing to do with phone networks, before anyone asks."),
    ("Halcyon days by the sea in {CITY2}: no phone, no emails 🌊", "Halcyon days by the sea", "Back to reality on Monday."),
]
SPAM = {
    "bot_upvote": "This post has been upvoted from the communal account, @minnowsupport, by {USER} from the Minnow Support Project. "
                  "It's a witness project run by aggroed, ausbitbank, teamsteem and netuoso. #halcyon",
    "bot_original": "The Halcyon bot has determined this post to be original. Upvote and resteem to spread the word! 🤖 [beep boop]",
    "giveaway": "🔥 Get FREE Halcyon gift cards here 👉 http://bit.ly/{CODE} #halcyon #free #giveaway #win #promo #deal",
    "link_only": "https://t.co/{CODE} halcyon",
    "hashtag_stuffed": "#halcyon #HalcyonMobile #HalcyonOne #5G #phone #deal #unboxing #tech #android #follow #like #instagood",
}
NAMES = ["amy", "ben", "chloe", "dan", "ella", "finn", "grace", "harry", "isla", "jack", "kate", "liam", "maya", "noah", "olivia",
         "priti", "quinn", "rosa", "sam", "tom", "uma", "vik", "will", "zara", "omar", "leah", "ravi", "nadia", "joel", "ciara"]
SURNAMES = ["smith", "patel", "jones", "khan", "brown", "wilson", "taylor", "evans", "ahmed", "walker", "wright", "murphy", "clarke",
            "hughes", "okafor", "nowak", "lewis", "reid", "singh", "price", "kelly", "doyle", "shah", "green", "bell"]
WORDS = ["kestrel", "fern", "quartz", "pixel", "orbit", "maple", "cobalt", "lantern", "ember", "harbour", "tundra", "willow",
         "signal", "static", "byte", "pebble", "comet", "otter", "falcon", "cedar", "marble", "nimbus", "sparrow", "vector"]
INSTANCES = ["mastodon.social", "mastodon.online", "mas.to", "fosstodon.org", "mstdn.social", "toot.community",
             "hachyderm.io", "mastodon.green", "techhub.social", "social.coop"]


# ---------------------------------------------------------------- small helpers
def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def spelling(rng, brand, short):
    return weighted(rng, BRANDS[brand]["short" if short else "long"])


def fill(rng, template, brand, short=True):
    """Replace {SLOT}s: brand spellings, products and the SLOTS lists."""
    def slot(m):
        key = m.group(1)
        if key == "B":
            return spelling(rng, brand, short)
        if key in ("H", "W"):
            return spelling(rng, "halcyon" if key == "H" else "brightwave", False)
        if key in ("PH", "BB", "APP"):
            return BRANDS["halcyon" if brand == "both" else brand][key]
        return rng.choice(SLOTS["CITY" if key == "CITY2" else key])
    return re.sub(r"\{([A-Z0-9]+)\}", slot, template)


def code(rng, n=7):
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(n))


def rand_ts(rng, day_weights):
    day = rng.choices(range(DAYS), weights=day_weights)[0]
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    return START_TS + day * 86400 + hour * 3600 + rng.randrange(3600)


def spike_ts(rng):
    """18 Nov from 07:40 (peak through the day), a second wave on the 19th morning, easing by night."""
    hourly = [0] * 7 + [6, 20, 24, 22, 20, 18, 17, 16, 15, 15, 14, 13, 12, 10, 8, 6, 5]
    hourly += [3, 2, 2, 2, 2, 3, 6, 12, 18, 19, 16, 14, 11, 9, 8, 7, 6, 6, 5, 4, 3, 3, 2, 2]
    h = rng.choices(range(48), weights=hourly)[0]
    minute = rng.randrange(40, 60) if h == 7 else rng.randrange(60)
    return SPIKE_START + h * 3600 + minute * 60 + rng.randrange(60)


def tail_ts(rng):
    return SPIKE_START + 2 * 86400 + rng.choices(range(3), weights=[6, 3, 1])[0] * 86400 + rng.randrange(7, 23) * 3600 + rng.randrange(3600)


def week_of(ts):
    return (ts - START_TS) // (7 * 86400)


def topic_weights(brand, ts):
    """Which storyline a post tells, by brand and week (index 0..4 = W43..W47)."""
    if brand == "brightwave":
        return BRIGHTWAVE_TOPICS
    w = week_of(ts)
    weights = [(t, ws[w]) for t, ws in HALCYON_TOPICS]
    if datetime.fromtimestamp(ts, timezone.utc).date() < PRICE_ANNOUNCED:
        weights = [(t, 0.5 if t == "pricing" else x) for t, x in weights]
    return weights


HALCYON_TOPICS = [
    ("outage", [0.5, 0.5, 0.5, 0.5, 0.6]), ("warranty", [0.8, 0.8, 0.9, 2.2, 2.8]), ("shipping_praise", [1.4] * 5),
    ("delivery_bad", [0.3] * 5), ("priya", [0.8] * 5), ("privacy", [0.12, 0.12, 4.2, 0.6, 0.25]),
    ("pricing", [0.5, 3.6, 2.4, 1.2, 1.0]), ("feature", [1.2] * 5), ("service", [1.0, 1.0, 1.0, 1.1, 1.6]),
    ("app", [0.9] * 5), ("advertising", [0.7] * 5), ("quality", [1.3] * 5), ("positive", [2.6] * 5), ("neutral", [3.6] * 5),
    ("esim", [0, 0, 0, 0, 1.5]), ("loyalty", [0, 0, 0, 1.2, 1.4]),
]
BRIGHTWAVE_TOPICS = [("pricing", 2.2), ("delivery_bad", 1.6), ("shipping_praise", 0.6), ("positive", 2.0), ("neutral", 3.0),
                     ("service", 1.2), ("outage", 0.6), ("app", 0.5), ("quality", 0.8), ("feature", 0.5), ("warranty", 0.5)]


# ---------------------------------------------------------------- authors
def build_authors(rng):
    """A pool of accounts per source; a few post often, most once or twice."""
    pools, taken = {}, set()
    sizes = {"hackernews": 520, "reddit": 900, "mastodon": 820, "bluesky": 820, "reviews": 640}
    for src in SOURCES:
        pool = []
        while len(pool) < sizes[src]:
            a = new_author(rng, src)
            if (src, a["name"]) not in taken:
                taken.add((src, a["name"]))
                pool.append(a)
        pools[src] = pool
    return pools


def new_author(rng, src, base=None):
    first, last, word = rng.choice(NAMES), rng.choice(SURNAMES), rng.choice(WORDS)
    if base is None:
        base = rng.choice([first + last[0], word + rng.choice(WORDS), f"{word}{rng.randrange(10, 999)}", f"{first}_{word}", first + last])
    if src == "hackernews":
        return {"name": base, "reach": None}
    if src == "reddit":
        name = rng.choice([base, f"{word.title()}_{rng.choice(WORDS).title()}_{rng.randrange(1000, 9999)}", f"throwaway_{rng.randrange(10**5)}"])
        return {"name": name, "reach": int(rng.lognormvariate(7.2, 1.6))}
    if src == "mastodon":
        return {"name": f"{base}@{rng.choice(INSTANCES)}", "reach": int(rng.lognormvariate(5.0, 1.4))}
    if src == "bluesky":
        did = "did:plc:" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24))
        return {"name": f"{base.replace('_', '-')}.bsky.social", "reach": int(rng.lognormvariate(5.2, 1.5)), "did": did}
    return {"name": rng.choice([f"{first.title()} {last[0].upper()}.", f"{first[0].upper()}. {last.title()}", base, first.title()]), "reach": None}


def pick_author(rng, pools, src, avoid=None):
    pool = pools[src]
    while True:
        a = pool[min(int(rng.paretovariate(0.9)) - 1, len(pool) - 1) if rng.random() < 0.35 else rng.randrange(len(pool))]
        if a is not avoid:
            return a


# ---------------------------------------------------------------- composing posts
def with_opener(rng, sentence, sent):
    """An optional opener fitting the mood, with the sentence's first letter cased to follow it."""
    opener = rng.choice(OPENERS[sent])
    first = sentence.split(" ", 1)[0]
    if not opener or opener.endswith((". ", ": ")):
        if first == "the":
            sentence = "T" + sentence[1:]
    elif first[:1].isupper() and not first.isupper() and not first.startswith(("I'", "Halcyon", "Brightwave", "Priya", "Dear")):
        sentence = sentence[0].lower() + sentence[1:]
    return opener + sentence


def short_post(rng, brand, topic):
    spec = TOPICS[topic]
    text = with_opener(rng, fill(rng, rng.choice(spec["core"]), brand), spec["sent"])
    tail = rng.choice(TAILS[spec["sent"]])
    text = full_stop(text) + tail if tail else text
    if brand in BRANDS and rng.random() < 0.12:
        text += " " + BRANDS[brand]["TAG"]
    return text.strip()


def long_post(rng, brand, topic, lo, hi, generic=0.35, skip=None):
    """Core sentence plus details and filler sentences, in paragraphs: lo..hi sentences, none repeated."""
    spec = TOPICS[topic]
    n = rng.randint(lo, hi)
    pool = [d for d in spec["detail"] if d != skip]
    details = rng.sample(pool, min(len(pool), n - 1))
    fillers = rng.sample(GENERIC[spec["sent"]], len(GENERIC[spec["sent"]]))
    sents = [with_opener(rng, fill(rng, rng.choice(spec["core"]), brand, short=False), spec["sent"])]
    for d in details:
        sents.append(fill(rng, d, brand, short=False))
        if fillers and rng.random() < generic:
            sents.append(fill(rng, fillers.pop(), brand, short=False))
    while len(sents) < n and fillers:
        sents.append(fill(rng, fillers.pop(), brand, short=False))
    if rng.random() < 0.25:
        sents.append(rng.choice(CLOSERS))
    return paragraphs(rng, sents)


def full_stop(s):
    """Sentences that end in a word get a full stop before the next one is added."""
    return s + "." if s[-1:].isalnum() else s


def paragraphs(rng, sents):
    out, i = [], 0
    while i < len(sents):
        k = rng.randint(1, 4)
        out.append(" ".join(full_stop(s.strip()) for s in sents[i:i + k]))
        i += k
    return "\n\n".join(out)


def compose(rng, src, brand, topic):
    """(title, text) for one on-topic post, shaped like the source."""
    spec = TOPICS[topic]
    title = fill(rng, rng.choice(spec["title"]), brand, short=False)
    if src == "bluesky":
        text = short_post(rng, brand, topic)
        extra = fill(rng, rng.choice(spec["detail"]), brand)
        return None, full_stop(text) + " " + extra if rng.random() < 0.3 and len(text) + len(extra) < 290 else text
    if src == "mastodon":
        text = short_post(rng, brand, topic)
        if rng.random() < 0.3:
            text = full_stop(text) + "\n\n" + fill(rng, rng.choice(spec["detail"]), brand)
        return None, text
    if src == "hackernews":
        quote = rng.choice(spec["detail"]) if rng.random() < 0.15 else None  # HN quotes what it answers: "> ..."
        text = long_post(rng, brand, topic, 2, 7, generic=0.3, skip=quote)
        if quote:
            text = "> " + fill(rng, quote, brand, short=False) + "\n\n" + text
        if rng.random() < 0.1:
            text += "\n\nSee " + rng.choice(HN_LINKS[brand])
        return hn_story(rng, brand, topic), text
    if src == "reddit":
        if rng.random() < 0.12:  # link post: the title is the post
            return short_post(rng, brand, topic), ""
        return title, long_post(rng, brand, topic, 3, 12, generic=0.6)
    if brand in BRANDS and rng.random() < 0.012:  # reviews: a few very long blog posts
        return title, blog_post(rng, brand, topic)
    return title, long_post(rng, brand, topic, 3, 15, generic=0.6)


def hn_story(rng, brand, topic):
    """The parent story's title (None for some comments): topical, brand-specific or generic."""
    r = rng.random()
    if r < 0.15:
        return None
    stories = HN_STORIES.get(topic, []) if r < 0.55 else HN_STORIES.get(brand, []) if r < 0.75 else []
    return rng.choice(stories or HN_STORIES["generic"])


BLOG_OUTRO = "That's it. If you read this far, thank you, and let me know what you think in the comments."
BLOGS = ["phonenotes", "signalstrength", "thepocketreview", "mobilemondays", "carrierwatch", "simonlypaul"]


def blog_post(rng, brand, topic):
    """A long-term review covering most storylines of one brand: the very long texts of the review feed."""
    names = [t for t, _ in (HALCYON_TOPICS if brand == "halcyon" else BRIGHTWAVE_TOPICS) if t != topic]
    parts = [f"I've been using the {BRANDS[brand]['PH']} on the {brand.title()} network for a while now, so here is the long version."]
    for t in [topic] + rng.sample(names, rng.randint(7, len(names))):
        parts.append(long_post(rng, brand, t, 5, 10, generic=0.5))
    parts.append(BLOG_OUTRO)
    return "\n\n".join(parts)


def crash_log(rng):
    """A pasted log: the over-long texts (> 25,000 characters) the raw gate quarantines."""
    lines = ["Halcyon app keeps crashing on login, here is the full log. Sorry for the length.", ""]
    for i in range(rng.randint(230, 280)):
        stamp = f"2026-11-{rng.randint(1, 17):02d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        lines.append(f"{stamp}.{rng.randrange(1000):03d} E/HalcyonApp({rng.randint(1000, 32000)}): "
                     "java.lang.IllegalStateException: session token is null "
                     f"at com.halcyon.app.auth.LoginManager.refresh(LoginManager.kt:{rng.randint(100, 400)}) #{i}")
    return "\n".join(lines)


def mention(src, ts, author, title, text, brand, topic, lang="en", noise=()):
    return {"src": src, "ts": ts, "ms": 0, "author": author, "title": title, "text": text, "brand": brand,
            "topic": topic, "lang": lang, "noise": list(noise)}


def base_mention(rng, pools, src, day_weights):
    """One ordinary record: spam, off-topic, non-English or (mostly) an on-topic post."""
    ts, r = rand_ts(rng, day_weights), rng.random()
    if r < SPAM_RATE[src]:
        kind = rng.choice(SPAM_KINDS[src])
        text = SPAM[kind].replace("{CODE}", code(rng)).replace("{USER}", "@" + rng.choice(WORDS) + str(rng.randrange(99)))
        spammer = new_author(rng, src, base=rng.choice(["halcyon_deals", "promo", "free_stuff", "win"]) + str(rng.randrange(10**4)))
        title = "Halcyon One giveaway" if src in ("reddit", "reviews") else None
        return mention(src, ts, spammer, title, text, "halcyon", "spam", noise=["spam:" + kind])
    author = pick_author(rng, pools, src)
    r -= SPAM_RATE[src]
    if r < OFF_TOPIC_RATE:
        text, title, extra = OFF_TOPIC[rng.randrange(len(OFF_TOPIC))]
        text = fill(rng, text, "halcyon") + (" " + extra if rng.random() < 0.6 else "")
        return mention(src, ts, author, title if src in ("reddit", "reviews") else None, text, "off-topic", "off_topic", noise=["off_topic"])
    r -= OFF_TOPIC_RATE
    if r < NON_EN_RATE[src]:
        lang = rng.choice(sorted(NON_ENGLISH))
        picks = rng.sample(NON_ENGLISH[lang], 1 if src in ("bluesky", "mastodon", "hackernews") else 3)
        text = " ".join(fill(rng, p, "halcyon", short=False) for p in picks)
        title = fill(rng, picks[0], "halcyon", short=False)[:60] if src in ("reddit", "reviews") else None
        return mention(src, ts, author, title, text, "halcyon", "non_english", lang=lang, noise=["non_english"])
    if rng.random() < 0.03:
        brand, topic = "both", "comparison"
    else:
        brand = "halcyon" if rng.random() < 0.70 else "brightwave"
        topic = weighted(rng, topic_weights(brand, ts))
    title, text = compose(rng, src, brand, topic)
    return mention(src, ts, author, title, text, brand, topic)


# ---------------------------------------------------------------- noise added on top
def special_records(rng, pools, day_weights):
    """Empty records (brand only in the handle, subreddit or link) and over-long pasted logs."""
    out = []
    for src in SOURCES:
        for _ in range(EMPTY_COUNTS[src]):
            author = new_author(rng, src, base=f"halcyon_user{rng.randrange(100, 999)}")
            out.append(mention(src, rand_ts(rng, day_weights), author, "" if src in ("reddit", "reviews") else None, "",
                               "halcyon", "empty", noise=["empty"]))
        for _ in range(OVERLONG_COUNTS.get(src, 0)):
            out.append(mention(src, rand_ts(rng, day_weights), pick_author(rng, pools, src), "Halcyon app crash log (long, sorry)",
                               crash_log(rng), "halcyon", "app", noise=["overlong"]))
    return out


def single_text(r):
    """The post as one piece of text when it has no separate title (can cross-post), else None."""
    if r["title"] and r["text"]:
        return None
    return r["text"] or r["title"]


def variant(rng, text, rec, rt_handle):
    """A near-duplicate: other trailing link, other @handle, 'RT' prefix, or other emoji/spacing."""
    kind = rng.choice(["link", "handle", "rt", "emoji"])
    handle = BRANDS["brightwave" if rec["brand"] == "brightwave" else "halcyon"]["HANDLE"]
    if kind == "link":
        return re.sub(r"\s*https?://\S+$", "", text) + f" https://t.co/{code(rng, 10)}"
    if kind == "handle":
        return f"{handle} {text}" if rng.random() < 0.5 else f"{text} {handle}"
    if kind == "rt":
        return f"RT @{rt_handle}: {text}"
    return rng.choice(["  ", "", " "]) + text.rstrip(" .!😡🤬😍:)(/-") + rng.choice([" 🙄", " 😤", " 👀", " 💯", "!!", " ...", "\n"])


def reposts(rng, pools, records):
    """Exact reposts by other accounts within hours (some on another source) and near-duplicates."""
    cands = [r for r in records if r["topic"] not in ("spam", "empty", "off_topic") and "overlong" not in r["noise"]]
    n_exact, n_near = round(REPOST_RATE * len(records)), round(NEAR_DUP_RATE * len(records))
    out = []
    for i in range(n_exact + n_near):
        orig, near = rng.choice(cands), i >= n_exact
        title, text, src = orig["title"], orig["text"], orig["src"]
        single = single_text(orig)
        if single is not None and len(single) <= 270 and rng.random() < 0.45:  # cross-post: no title, text as is
            src = rng.choice([s for s in ("bluesky", "mastodon", "reddit", "hackernews") if s != orig["src"]])
            title, text = (single, "") if src == "reddit" else (None, single)
        if near:
            rt_handle = (orig["author"] if src == orig["src"] else pick_author(rng, pools, src))["name"]
            if text:
                text = variant(rng, text, orig, rt_handle)
            else:
                title = variant(rng, title, orig, rt_handle)
            if src == "bluesky" and len(text) > 300:
                text = single
        ts = min(orig["ts"] + rng.randint(300, 6 * 3600), END_TS)
        rec = mention(src, ts, pick_author(rng, pools, src, avoid=orig["author"]), title, text, orig["brand"], orig["topic"],
                      orig["lang"], noise=["near_duplicate" if near else "repost_exact"] + (["cross_source"] if src != orig["src"] else []))
        out.append(rec)
    return out


def text_faults(rng, records):
    """Mojibake ("donâ€™t") and literal HTML entities in a few original records."""
    for r in records:
        if r["noise"] or r["lang"] != "en":
            continue
        if "'" in r["text"] and rng.random() < MOJIBAKE_RATE:
            r["text"] = r["text"].replace("'", "â€™")
            r["noise"].append("mojibake")
        elif r["src"] in ("bluesky", "reviews", "reddit") and rng.random() < ENTITY_RATE:
            if r["src"] != "reddit":  # exports that escape once; reddit escapes this again ("&amp;lt;3")
                r["text"] = r["text"].replace("&", "&amp;").replace("'", "&#39;").replace('"', "&quot;")
            if TOPICS.get(r["topic"], {}).get("sent") == "pos" or "&" not in r["text"]:
                r["text"] += " &lt;3"
            r["noise"].append("html_entities")


def mark_malformed(rng, records):
    """The records the listen stage must quarantine; all mention Halcyon."""
    kinds = {"hackernews": ["truncated_json", "invalid_json", "missing_id"], "reddit": ["bad_timestamp"], "bluesky": ["missing_timestamp"]}
    for src, ks in kinds.items():
        cands = [r for r in records if r["src"] == src and r["brand"] == "halcyon" and not r["noise"] and "halcyon" in r["text"].lower()]
        for kind, r in zip(ks, rng.sample(cands, len(ks))):
            r["noise"].append("malformed:" + kind)


# ---------------------------------------------------------------- rendering per source
URL_RE = re.compile(r"https?://[^\s<>\"']+")
TOKEN_RE = re.compile(r"(https?://[^\s<>\"']+)|(?<![\w@/])@([\w.]+(?:@[\w.-]+)?)|(?<![\w&/])#([A-Za-z]\w*)")


def hn_html(text):
    """HN comment markup: escaped text (&#x27; &quot; &gt; &#x2F;), <p> between paragraphs, <a> links."""
    def esc(s):
        return html.escape(s).replace("/", "&#x2F;")

    def para(p):
        parts, last = [], 0
        for m in URL_RE.finditer(p):
            parts += [esc(p[last:m.start()]), f'<a href="{esc(m.group())}" rel="nofollow">{esc(m.group())}</a>']
            last = m.end()
        return "".join(parts) + esc(p[last:])
    return "<p>".join(para(p) for p in re.split(r"\n\s*\n|\n", text) if p.strip())


def mastodon_html(text):
    """Mastodon status markup: <p> paragraphs, <br />, mention and hashtag links, &amp; &#39; &quot;."""
    def esc(s):
        return html.escape(s).replace("&#x27;", "&#39;")

    def para(p):
        parts, last = [], 0
        for m in TOKEN_RE.finditer(p):
            parts.append(esc(p[last:m.start()]))
            url, user, tag = m.groups()
            if url:
                parts.append(f'<a href="{esc(url)}" target="_blank" rel="nofollow noopener noreferrer">{esc(url)}</a>')
            elif user:
                name, _, host = user.partition("@")
                host = host or INSTANCES[sum(map(ord, name)) % len(INSTANCES)]
                parts.append(f'<span class="h-card"><a href="https://{host}/@{name}" class="u-url mention">@<span>{name}</span></a></span>')
            else:
                parts.append(f'<a href="https://mastodon.social/tags/{tag}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>')
            last = m.end()
        return "".join(parts) + esc(p[last:])
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + "<br />".join(para(line) for line in p.split("\n")) + "</p>" for p in paras)


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, d = divmod(n, 36)
        out = digits[d] + out
    return out


def tid(micros, clock):
    """A Bluesky record key: 64-bit timestamp id in base32-sortable, 13 characters."""
    n, out = (micros << 10) | clock, ""
    for _ in range(13):
        n, d = divmod(n, 32)
        out = "234567abcdefghijklmnopqrstuvwxyz"[d] + out
    return out


def iso(ts, ms):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def engagement(rng, r, scale):
    boost = 2.0 if r["topic"] in ("outage_spike", "privacy") else 0.2 if r["topic"] in ("spam", "empty", "off_topic") else 1.0
    return int(rng.lognormvariate(scale, 1.3) * boost)


def subreddit(rng, r):
    if r["topic"] == "off_topic":
        return rng.choice(["CasualUK", "television", "Antiques", "audiophile", "nostalgia"])
    if r["brand"] == "brightwave":
        return rng.choice(["uktelecom", "Brightwave", "ukpersonalfinance", "AskUK"])
    return weighted(rng, [("HalcyonMobile", 40), ("uktelecom", 20), ("PhoneHelp", 10), ("Android", 8), ("ukpersonalfinance", 8),
                          ("gadgets", 5), ("unitedkingdom", 9)])


def lang_field(rng, r, missing):
    """The source's own language tag: right most of the time, sometimes wrong or missing."""
    if r["lang"] == "en":
        return "en" if rng.random() < 0.95 else missing
    return weighted(rng, [(r["lang"], 85), ("en", 8), (missing, 7)])


def assign_ids(rng, src, recs):
    """Native ids in time order, as each platform allocates them."""
    n = {"hackernews": 45_800_000, "reddit": int("1oqa000", 36), "reviews": 480_000}.get(src, 0)
    for r in recs:
        n += rng.randint(40, 900) if src == "hackernews" else rng.randint(200, 2500) if src == "reddit" else rng.randint(1, 40)
        if src == "hackernews":
            r["id"] = n
        elif src == "reddit":
            r["id"] = base36(n)
        elif src == "mastodon":
            r["id"] = ((r["ts"] * 1000 + r["ms"]) << 16) | rng.randrange(65536)
        elif src == "bluesky":
            r["id"] = tid((r["ts"] * 1000 + r["ms"]) * 1000 + rng.randrange(1000), rng.randrange(1024))
        else:
            r["id"] = n


def render(rng, r):
    """One record as the source exports it (a dict; CSV rows keep the column order)."""
    src, a, malformed = r["src"], r["author"], next((n[10:] for n in r["noise"] if n.startswith("malformed:")), None)
    if src == "hackernews":
        points = engagement(rng, r, 3.0) + 1 if r["title"] and rng.random() < 0.3 else None
        r["native_id"] = str(r["id"])
        obj = {"objectID": str(r["id"]), "created_at_i": r["ts"], "author": a["name"], "story_title": r["title"],
               "comment_text": hn_html(r["text"]), "points": points}
        if malformed == "missing_id":
            del obj["objectID"]
        return obj
    if src == "reddit":
        title = r["title"] or ""
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"
        sub = subreddit(rng, r)
        r["native_id"] = r["id"]  # the API's id (a live run's); the export's is the fullname, "t3_" + id
        return {"id": "t3_" + r["id"], "created_utc": "yesterday" if malformed else float(r["ts"]), "author": a["name"],
                "author_karma": a["reach"], "subreddit": sub, "title": html.escape(title, quote=False),
                "selftext": html.escape(r["text"], quote=False), "score": engagement(rng, r, 2.5) - (rng.random() < 0.05) * 8,
                "permalink": f"/r/{sub}/comments/{r['id']}/{slug}/"}
    if src == "mastodon":
        user, _, host = a["name"].partition("@")
        r["native_id"] = str(r["id"])
        return {"id": str(r["id"]), "created_at": iso(r["ts"], 0), "content": mastodon_html(r["text"]),
                "url": f"https://{host}/@{user}/{r['id']}", "language": lang_field(rng, r, None),
                "account": {"acct": a["name"], "followers_count": a["reach"]},
                "favourites_count": engagement(rng, r, 1.5), "reblogs_count": engagement(rng, r, 0.3)}
    if src == "bluesky":
        r["native_id"] = f"at://{a['did']}/app.bsky.feed.post/{r['id']}"
        return {"uri": f"at://{a['did']}/app.bsky.feed.post/{r['id']}", "indexedAt": "" if malformed else iso(r["ts"], r["ms"]),
                "author_handle": a["name"], "author_followers": a["reach"], "text": r["text"],
                "likeCount": engagement(rng, r, 1.8), "langs": lang_field(rng, r, "")}
    company = {"brightwave": "brightwave", "off-topic": "misc"}.get(r["brand"], "halcyon-mobile")
    if r["text"].endswith(BLOG_OUTRO):
        slug = re.sub(r"[^a-z0-9]+", "-", (r["title"] or "post").lower()).strip("-")
        guid = link = f"https://{rng.choice(BLOGS)}.blog.example/2026/{r['id']}/{slug}"
    else:
        guid, link = f"https://reviews.example.com/r/{r['id']}", f"https://reviews.example.com/{company}/reviews/{r['id']}"
    r["native_id"] = guid
    sent = TOPICS.get(r["topic"], {}).get("sent", "neu")
    rating = {"neg": [1, 1, 1, 2], "pos": [5, 5, 4], "mixed": [2, 3, 4, 3], "neu": [3, 4, 3, 5]}[sent]
    return {"guid": guid, "published": format_datetime(datetime.fromtimestamp(r["ts"], timezone.utc)), "author": a["name"],
            "title": r["title"] or "", "summary": r["text"], "link": link,
            "rating": 5 if r["topic"] == "spam" else rng.choice(rating)}


def write_file(rng, out_dir, src, recs):
    """Sort by time then id, render, write; malformed lines are corrupted here."""
    recs.sort(key=lambda r: (r["ts"], r["ms"], r["seq"]))
    assign_ids(rng, src, recs)
    recs.sort(key=lambda r: (r["ts"], r["ms"], r["id"]))
    rows = [render(rng, r) for r in recs]
    ext = "csv" if src in ("bluesky", "reviews") else "jsonl"
    path = Path(out_dir) / f"{src}.{ext}"
    with path.open("w", encoding="utf-8", newline="") as f:
        if ext == "csv":
            w = csv.writer(f, lineterminator="\n")
            w.writerow(list(rows[0]))
            w.writerows([list(row.values()) for row in rows])
            return path
        for r, obj in zip(recs, rows):
            line = json.dumps(obj, ensure_ascii=False)
            if "malformed:truncated_json" in r["noise"]:
                line = line[:line.lower().index("alcyon", line.index('"comment_text"')) + 12]
            elif "malformed:invalid_json" in r["noise"]:
                line = repr(obj)
            f.write(line + "\n")
    return path


# The team each storyline is meant to reach: the planted truth issue discovery is measured on.
INTENDED_TEAM = {
    "outage_spike": "product_ops", "outage_tail": "product_ops", "outage": "product_ops", "warranty": "after_sales",
    "shipping_praise": "product_ops", "delivery_bad": "product_ops", "priya": "hr", "privacy": "legal", "pricing": "sales",
    "feature": "product_ops", "service": "customer_care", "app": "it", "advertising": "marketing", "quality": "product_ops",
    "esim": "product_ops", "loyalty": "marketing",
}


def write_storylines(out_dir, records):
    """storylines.csv: each record's storyline and intended team, keyed as the connectors key it (source, native id)."""
    rows = sorted((r["src"], r["native_id"], r["brand"], r["topic"], INTENDED_TEAM.get(r["topic"], ""))
                  for r in records if r.get("native_id"))
    with (Path(out_dir) / "storylines.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "native_id", "brand", "storyline", "intended_team"])
        w.writerows(rows)


# ---------------------------------------------------------------- report
def dedup_key(r):
    text = ((r["title"] or "") + " " + r["text"]).lower()
    text = re.sub(r"https?://\S+|(?:^|\s)@[\w.]+(?:@[\w.-]+)?", " ", text)
    return re.sub(r"[\W_]+", " ", re.sub(r"^\s*rt\b:?", " ", text)).strip()


def print_summary(records, paths):
    def table(title, rows_by, cols):
        print(f"\n{title:<22}" + "".join(f"{c:>12}" for c in cols))
        for key in sorted(rows_by):
            print(f"{key:<22}" + "".join(f"{rows_by[key].get(c, 0):>12}" for c in cols))

    total = Counter(r["src"] for r in records)
    print("files:")
    for src, p in paths.items():
        print(f"  {p.name:<18}{total[src]:>6} records {p.stat().st_size:>12,} bytes")
    print(f"  {'total':<18}{len(records):>6} records")
    by_src, by_week, by_topic, noise = {}, {}, {}, Counter()
    for r in records:
        kind = r["topic"] if r["topic"] in ("spam", "empty") else r["brand"]
        by_src.setdefault(r["src"], Counter())[kind] += 1
        wk = "%d-W%02d" % datetime.fromtimestamp(r["ts"], timezone.utc).isocalendar()[:2]
        by_week.setdefault(wk, Counter())[r["src"]] += 1
        by_week[wk]["total"] += 1
        if r["brand"] == "halcyon":
            by_topic.setdefault(r["topic"], Counter())[wk] += 1
        noise.update(r["noise"])
    table("per file / brand", by_src, ["halcyon", "brightwave", "both", "off-topic", "spam", "empty"])
    table("per ISO week", by_week, SOURCES + ["total"])
    table("halcyon topic / week", by_topic, sorted(by_week))
    seen, accidental = Counter(), 0
    for r in records:
        if r["topic"] not in ("empty", "spam") and not {"repost_exact", "near_duplicate"} & set(r["noise"]):
            key = (r["ts"] // 86400, dedup_key(r))
            accidental += seen[key] > 0
            seen[key] += 1
    print("\nnoise kind                 count")
    for kind, n in sorted(noise.items()):
        print(f"  {kind:<26}{n:>6}  ({n / len(records):.1%})")
    print(f"  same-day text collisions that were not planted: {accidental}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent), help="folder to write the five files to")
    out_dir = Path(ap.parse_args().out)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    pools = build_authors(rng)
    day_weights = [0.8 if (START + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(DAYS)]
    records = [base_mention(rng, pools, src, day_weights) for src in SOURCES for _ in range(BASE_COUNTS[src])]
    for src in SOURCES:
        for counts, when, topic in ((SPIKE_COUNTS, spike_ts, "outage_spike"), (TAIL_COUNTS, tail_ts, "outage_tail")):
            for _ in range(counts[src]):
                title, text = compose(rng, src, "halcyon", topic)
                records.append(mention(src, when(rng), pick_author(rng, pools, src), title, text, "halcyon", topic))
    records += special_records(rng, pools, day_weights)
    records += reposts(rng, pools, records)
    text_faults(rng, records)
    mark_malformed(rng, records)
    for i, r in enumerate(records):
        r["seq"], r["ms"] = i, rng.randrange(1000) if r["src"] in ("mastodon", "bluesky") else 0
    paths = {src: write_file(rng, out_dir, src, [r for r in records if r["src"] == src]) for src in SOURCES}
    write_storylines(out_dir, records)
    # The demo listens through the API connectors' replay twins: their answers are recorded from the exports.
    from record_payloads import record_all

    record_all(out_dir)
    print_summary(records, paths)


if __name__ == "__main__":
    main()
