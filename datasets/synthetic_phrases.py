"""Phrase tables for the synthetic ticket generator: what people write, per catalog category.

Written fresh for the generator (not copied from the catalog's examples), so a zero-shot model
built from the catalog is not scored on its own prototypes. Slots in braces are filled at random.
"""

from __future__ import annotations

SLOTS: dict[str, list[str]] = {
    "name": ["Maria", "Tom", "Priya", "Jonas", "Aisha", "Kenji", "Laura", "Mehmet", "Sofia", "Dan"],
    "floor": ["1st", "2nd", "3rd", "4th", "ground", "5th"],
    "app": ["SAP", "Salesforce", "the payroll system", "Dynamics", "the web shop admin"],
    "device": ["laptop", "Dell laptop", "ThinkPad", "MacBook", "desktop PC", "Surface"],
    "site": ["Leeds office", "Berlin branch", "warehouse", "head office", "Lyon site"],
    "when": ["this morning", "since yesterday", "since the update", "after lunch", "since Monday"],
    "team": ["finance", "sales", "marketing", "HR", "logistics", "customer service"],
    "software": ["Adobe Acrobat Pro", "Visio", "Power BI Desktop", "AutoCAD", "Python", "Zoom"],
    "day": ["Monday", "next Tuesday", "the 1st", "Friday", "next week"],
}

# category id -> (subjects, bodies): the core of the problem; writer styles add the rest.
PHRASES: dict[str, tuple[list[str], list[str]]] = {
    "password_reset": (
        ["Password reset", "forgot password", "Password expired", "Can't remember my password"],
        [
            "I forgot my password and can't get into my {device}",
            "my password expired {when} and now I cannot sign in",
            "please reset my password, I changed it on Friday and cannot remember the new one",
            "Windows asks me to change my password but the new one is rejected every time",
            "need a temporary password for my work account",
        ],
    ),
    "account_lockout": (
        ["Account locked", "locked out", "Account disabled?", "Cannot log in - locked"],
        [
            "my account got locked after I typed the wrong password a few times",
            "it says the account is locked out, please unlock it",
            "my user keeps locking every morning {when}",
            "sign in says my account has been disabled, I did not leave the company",
            "too many failed attempts and now I'm locked out of the {device}",
        ],
    ),
    "mfa": (
        ["MFA not working", "Authenticator problem", "2FA code", "New phone - MFA"],
        [
            "I got a new phone and the Authenticator app doesn't show my work account anymore",
            "the verification code text never arrives",
            "please reset my MFA so I can register my new phone",
            "the approve sign-in notification never pops up on my phone",
            "lost my phone and cannot do the two-factor step",
        ],
    ),
    "access_request": (
        ["Access request", "Need access", "Permission to folder", "access denied"],
        [
            "please grant me access to the {team} shared folder",
            "I need edit rights on the {team} SharePoint site",
            "can you add {name} to the {team} security group",
            "I get access denied when opening the {team} folder",
            "requesting read only access to the {team} reports for {name}",
        ],
    ),
    "shared_mailbox": (
        ["Shared mailbox", "Send as permission", "shared calendar", "Mailbox access"],
        [
            "please add me to the {team} shared mailbox",
            "the {team}@ shared inbox does not appear in my Outlook",
            "I need send as rights for the {team} mailbox",
            "{name} should be a delegate on my calendar",
            "cannot open the shared calendar for the meeting rooms",
        ],
    ),
    "email": (
        ["Outlook problem", "Emails not arriving", "mailbox full", "Out of office"],
        [
            "emails are stuck in my outbox {when}",
            "I am not receiving external emails {when}",
            "Outlook says my mailbox is full and I cannot send",
            "mails to a customer bounce back undeliverable",
            "how do I set up my out of office reply in Outlook",
            "my email signature disappeared after the update",
        ],
    ),
    "m365_signin_sync": (
        ["OneDrive not syncing", "Office activation", "Excel unlicensed", "SharePoint sync error"],
        [
            "OneDrive shows a red cross and files are not syncing {when}",
            "Excel says unlicensed product and I cannot edit anything",
            "sign in to Office 365 keeps looping back to the login page",
            "the SharePoint library does not sync to my {device}",
            "Word asks me to activate Office every time I open it",
        ],
    ),
    "teams": (
        ["Teams audio", "Teams camera", "Teams not loading", "Screen share black"],
        [
            "people can't hear me in Teams meetings, the microphone seems dead",
            "my webcam does not work in Teams calls",
            "Teams is stuck on the loading screen {when}",
            "when I share my screen in Teams others only see black",
            "headset audio crackles during Teams calls",
        ],
    ),
    "vpn": (
        ["VPN not connecting", "VPN drops", "Remote access", "GlobalProtect error"],
        [
            "the VPN won't connect from home, it times out",
            "GlobalProtect disconnects every few minutes",
            "on VPN I can't reach the shared drives",
            "remote desktop to my office PC stopped working {when}",
            "the VPN client complains the certificate is invalid",
        ],
    ),
    "wifi": (
        ["Wifi issue", "Wireless dropping", "Guest wifi", "No wifi on {floor} floor"],
        [
            "my {device} won't connect to the office wifi",
            "the wireless keeps dropping in the meeting room on the {floor} floor",
            "a visitor needs the guest wifi password",
            "wifi shows connected but there is no internet",
            "the wifi signal is very weak on the {floor} floor",
        ],
    ),
    "network": (
        ["Network down", "No internet", "network port dead", "DNS problem"],
        [
            "the internet is down at the {site}",
            "the network port at my desk is dead, cable plugged in and nothing",
            "internal websites are extremely slow {when}",
            "server names do not resolve, DNS seems broken",
            "the {site} lost its connection to the head office",
        ],
    ),
    "voip": (
        ["Desk phone", "No dial tone", "Voicemail", "Calls dropping"],
        [
            "my desk phone has no dial tone",
            "phone calls drop after a few seconds",
            "how do I change my voicemail greeting",
            "the handset says registration failed",
            "please set up call forwarding from my extension to my mobile",
        ],
    ),
    "printer": (
        ["Printer problem", "Printer jammed", "Can't print", "Scan to email"],
        [
            "the printer on the {floor} floor is jammed",
            "print jobs are stuck in the print queue",
            "scan to email stopped working on the copier",
            "please add the new printer on the {floor} floor to my {device}",
            "printer says paper jam but nothing is stuck, toner is low as well",
        ],
    ),
    "hardware": (
        ["Laptop won't start", "Monitor not detected", "Keyboard broken", "Blue screen"],
        [
            "my {device} will not turn on even plugged in",
            "second monitor is not detected through the docking station",
            "some keyboard keys stopped working",
            "the {device} is extremely slow and freezes",
            "blue screen every time I start the {device}",
        ],
    ),
    "device_replacement": (
        ["Replacement laptop", "Cracked screen", "New monitor request", "Lost charger"],
        [
            "I spilled coffee on my {device} and it's dead",
            "the screen of my work phone is cracked, I need a replacement",
            "my {device} is five years old, can I get a new one",
            "requesting a second monitor for my desk",
            "I lost my charger and need a new one",
        ],
    ),
    "mobile": (
        ["Work phone", "iPhone email setup", "Company Portal", "Tablet enrolment"],
        [
            "please set up work email on my new iPhone",
            "Company Portal says my phone is not compliant",
            "the iPad will not enrol in Intune",
            "work apps disappeared from my Android phone",
            "we need a work mobile for {name} in {team}",
        ],
    ),
    "software": (
        ["Software install", "Licence request", "Application crash", "Install {software}"],
        [
            "please install {software} on my {device}",
            "I need a licence for {software}",
            "{software} crashes as soon as I open it",
            "Windows update keeps failing on my {device}",
            "can I get {software} installed for a project",
        ],
    ),
    "onboarding": (
        ["New starter", "Onboarding {name}", "New hire setup", "Starter on {day}"],
        [
            "{name} joins {team} on {day} and needs a laptop and accounts",
            "please set up accounts for our new hire starting {day}",
            "onboarding request for a contractor in {team}",
            "new employee needs email, phone and a building pass",
            "first day is {day} and no laptop is ready yet",
        ],
    ),
    "offboarding": (
        ["Leaver", "Offboarding {name}", "Disable account", "Last day {day}"],
        [
            "{name} is leaving on {day}, please disable the accounts after 5pm",
            "offboarding for a contractor whose contract ended",
            "forward the leaver's email to their manager",
            "please collect the laptop and phone from {name} on the last day",
            "remove all access for {name} who left the company",
        ],
    ),
    "business_app": (
        ["{app} error", "Invoices not posting", "Report wrong", "Checkout error"],
        [
            "invoices are not posting in {app}",
            "the {app} report shows the wrong totals",
            "the payroll run fails with an error",
            "orders from the web shop are not reaching the warehouse",
            "customers get an error at checkout",
        ],
    ),
    "outage": (
        ["OUTAGE", "Server down", "System unavailable", "{app} down for everyone"],
        [
            "the file server is down for everyone",
            "our main website is unavailable",
            "nobody can log in to {app}",
            "email is down across the company",
            "Citrix is not responding for any user",
        ],
    ),
    "storage_backup": (
        ["Restore file", "Deleted folder", "Drive full", "Mapped drive missing"],
        [
            "I deleted a folder on the shared drive by mistake, can you restore it",
            "need yesterday's version of a spreadsheet that was overwritten",
            "my network drive is not mapped after login",
            "my C drive is full",
            "is the {team} project folder included in the backups",
        ],
    ),
    "phishing": (
        ["Suspicious email", "Phishing?", "Fake invoice", "Clicked a link"],
        [
            "I received a suspicious email asking me to confirm my password",
            "I clicked a link in an email and typed my password, it looked like the login page",
            "an email pretending to be the CEO asks me to buy gift cards",
            "supplier invoice email with changed bank details, looks fake",
            "strange email with an attachment from an unknown sender",
        ],
    ),
    "malware": (
        ["Virus alert", "Antivirus warning", "Ransomware?", "Pop-ups"],
        [
            "antivirus says a threat was found on my {device}",
            "all my files have a strange extension and there is a ransom note",
            "the browser keeps opening pop-up ads",
            "Defender quarantined a file I downloaded",
            "the computer acts strange since I opened an attachment",
        ],
    ),
    "account_compromise": (
        ["Account hacked?", "MFA prompts", "Unknown sign-in", "Emails I didn't send"],
        [
            "I keep getting MFA prompts I did not request",
            "colleagues received emails from me that I never sent",
            "sign-in alert from another country on my account",
            "my password was changed and it was not me",
            "someone created mailbox rules in my Outlook",
        ],
    ),
    "general": (
        ["Question", "How do I", "Information", "Quick question"],
        [
            "how do I book a meeting room",
            "where can I find the IT policy",
            "question about working from the {site} for a week",
            "who do I ask about a new desk",
            "can IT help me set up for a presentation in the boardroom",
        ],
    ),
}

# Phrases that tell how bad it is, by level: the text carries the signal the labels come from.
URGENCY_CUES: dict[str, list[str]] = {
    "critical": ["this is an emergency", "our production line stopped", "we are losing sales"],
    "high": ["it's urgent", "I cannot work", "please fix asap", "I am completely blocked"],
    "medium": ["", "", "it is intermittent", "there is a workaround for now"],
    "low": ["no rush", "when you have time", "not urgent", "next week is fine"],
}
IMPACT_CUES: dict[str, list[str]] = {
    "critical": ["the whole company is affected", "all customers are affected", "nobody can work"],
    "high": ["the whole office has it", "everyone on our floor", "all staff here"],
    "medium": ["my team has it too", "several colleagues see the same", "a few of us"],
    "low": ["", "", "only me as far as I know"],
}

GREETINGS = ["Hi", "Hello", "Hi team", "Dear IT", "Good morning", "Hey"]
SIGN_OFFS = ["Thanks", "Thank you", "Regards", "Cheers", "Best regards", "Many thanks"]
POLITE_OPENERS = ["hope you are well", "sorry to bother you", "I hope this is the right place"]
VERBOSE_DETAILS = [
    "I already restarted the {device} twice",
    "I tried logging out and back in but nothing changed",
    "a colleague had the same thing last month",
    "I have a meeting with a client later so it would be good to have it sorted",
    "I attached a screenshot of the error",
]
ANGRY_LINES = [
    "This is the THIRD time this month!!",
    "Honestly this is unacceptable.",
    "Nobody answered my last ticket.",
    "Why does this keep happening???",
]
NON_NATIVE = [
    ("I ", "I am having problem, "),
    ("can't", "is not able to"),
    ("please", "kindly"),
    ("the ", ""),
]
NON_NATIVE_ENDINGS = ["Please do the needful.", "Kindly revert back.", "Waiting your reply."]
