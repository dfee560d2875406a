"""Error classes seen on independent labelled sets, each pinned by sentences that are in no labelled set."""

from __future__ import annotations

import pytest

from nlp_support import FIXTURES, MODEL, TARGETS, best, same_party, tagger
from wallwatch.nlp import evaluate

CASES = [
    # (a) a closing verb whose object is posting/sharing links closes them
    ("X barred users from posting links to Facebook, Instagram and Mastodon, the company said.",
     {"polarity": "closing", "actor": "X", "target": "Facebook"}),
    ("Douyin banned creators from sharing links to Xiaohongshu in their bios.",
     {"polarity": "closing", "actor": "Douyin", "target": "Xiaohongshu"}),
    # (b) a denied closing stays a closing, with status denied
    ("Meituan denied reports that it would stop accepting Alipay.",
     {"polarity": "closing", "status": "denied", "actor": "Meituan", "target": "Alipay"}),
    ("JD.com rejected rumours that it would pull its mini program out of WeChat.",
     {"polarity": "closing", "status": "denied"}),
    # (c) restoration phrasings are openings
    ("YouTube is coming back to Fire TV, Amazon and Google said.", {"polarity": "opening"}),
    ("The two companies ended their standoff, and YouTube will return to Amazon's Echo Show.",
     {"polarity": "opening", "actor": "Amazon", "target": "YouTube"}),
    ("Pinduoduo merchants will be able to ship through SF Express at discounted rates.",
     {"polarity": "opening", "event_type": "logistics_or_service", "actor": "SF Express", "target": "Pinduoduo"}),
    ("Amazon's Fire TV will now work with Chromecast, the companies said.", {"polarity": "opening"}),
    ("Xiaohongshu has stopped stripping Taobao links from notes.", {"polarity": "opening", "target": "Taobao"}),
    # (d) approvals of access
    ("Spotify said Apple approved the update that links to its website.",
     {"polarity": "opening", "event_type": "app_store_or_device", "actor": "Apple"}),
    # (e) device and app-store events
    ("Google pulled YouTube from Amazon's Echo Show devices.",
     {"polarity": "closing", "event_type": "app_store_or_device"}),
    ("Apple rejected an update of the Spotify app that linked to outside payment pages.",
     {"polarity": "closing", "event_type": "app_store_or_device", "actor": "Apple"}),
    # (f) NFC / wallet access for rival wallets: its type is left to the event-type model (writers split
    # between payment and app_store_or_device on NFC, 31 to 20 over the labelled sets)
    ("Apple will let rival wallets use the iPhone's NFC chip for tap-to-pay.",
     {"polarity": "opening", "actor": "Apple", "target": "rival wallets"}),
    # (g) the target is the side the action concerns, not a place or a feature
    ("The European Commission ordered the big platforms to stop blocking rival browsers.",
     {"polarity": "mandate", "target": "the big platforms"}),
    ("Apple has been accused by the European Commission of preventing Spotify from telling users about cheaper offers.",
     {"polarity": "mandate", "actor": "European Commission", "target": "Apple"}),
    # an authority's lawsuit alleging blocking is its action
    ("The Justice Department argued in its lawsuit that Apple blocks cross-platform messaging apps.",
     {"polarity": "mandate", "actor": "US Department of Justice", "target": "Apple"}),
    ("The FTC said Amazon had illegally stopped sellers from linking to other websites.",
     {"polarity": "mandate", "actor": "FTC", "target": "Amazon"}),
    ("Meta reversed its decision to strip links to news articles from Facebook posts in Canada.",
     {"polarity": "opening"}),
    ("Douyin links sent in WeChat chats are shown as plain text rather than clickable links.",
     {"polarity": "closing", "actor": "WeChat", "target": "Douyin"}),
    ("Google has yet to let rival app stores be downloaded from the Play Store.", {"polarity": "closing"}),
    ("Apple refused to let the Xbox app back into the App Store in Europe.", {"polarity": "closing"}),
    ("Google agreed to drop a clause that barred Xiaomi from shipping rival app stores.", {"polarity": "opening"}),
    ("On the earnings call, Tencent said links to Taobao could already be opened inside WeChat chats.",
     {"polarity": "opening", "target": "Taobao"}),
    ("Samsung has blocked users from installing apps outside the Galaxy Store by default.",
     {"polarity": "closing", "actor": "Samsung"}),
    ("Epic has not been allowed to relaunch Fortnite on iOS in Australia.",
     {"polarity": "closing", "actor": "Apple", "target": "Epic Games"}),
    # round 3: a generic party ends at a comma, it does not swallow the speaker after it
    ("Messenger users will be able to chat with people on third-party messaging apps, Meta Platforms said.",
     {"polarity": "opening", "event_type": "messaging", "actor": "Messenger", "target": "third-party messaging apps"}),
    # a restriction undone ("the lifting of restrictions on sharing ...") is an opening
    ("The lifting of restrictions on sharing Douyin videos to WeChat was welcomed by creators.",
     {"polarity": "opening", "target": "WeChat"}),
    # a negated closing that the company denies is a denied closing, the host acting
    ("Taobao links are not being folded inside WeChat, a Tencent spokesperson said, denying reports from merchants.",
     {"polarity": "closing", "status": "denied", "actor": "WeChat", "target": "Taobao"}),
    # a carrier named in a later clause does not take over a platform's closing
    ("Pinduoduo will stop passing buyers' addresses to outside courier systems, so sellers shipping with SF Express "
     "must print labels in its own app.", {"polarity": "closing", "actor": "Pinduoduo"}),
    # a law after "under" obliges
    ("Under Japan's smartphone law, Apple and Google must allow alternative app stores from December.",
     {"polarity": "mandate", "actor": "Smartphone Act"}),
    # a speaker acts when the other platforms are objects; a company's spokesperson speaks for it
    ("In a reversal, Weibo said links to Douyin would no longer be hidden in search results.",
     {"polarity": "opening", "actor": "Weibo", "target": "Douyin"}),
    ("'We will no longer restrict links to rival platforms,' a Kuaishou spokesperson told reporters.",
     {"polarity": "opening", "actor": "Kuaishou"}),
    # merchants/brands of one platform let into another: the host decides
    ("Taobao merchants can now run livestreams inside Kuaishou, the two companies said.",
     {"polarity": "opening", "actor": "Kuaishou"}),
    # a company acting under a regulator's consent decree or injunction is the regulator's order
    ("Under a consent decree with the FTC, Amazon will let rival sellers link to their own websites.",
     {"polarity": "mandate", "actor": "FTC"}),
    # a law can be the subject of "bans" (not a noun compound like "a TikTok ban")
    ("Brazil's new law bans app stores from preventing developers from linking to outside offers.",
     {"polarity": "mandate"}),
    # an opening that is the object of a closing verb a few words before it is closed
    ("Douyin has blacklisted Taobao product links in creators' bios.", {"polarity": "closing", "actor": "Douyin"}),
    # a destination named after the trigger is the counterpart when the passage is about another platform
    ("Kuaishou is testing a new feature. Users will be able to share clips directly to WeChat Moments.",
     {"polarity": "opening", "actor": "Kuaishou", "target": "WeChat"}),
    # "<other platform>'s goods appear in <host>": the host lets them in
    ("Weibo signed a deal with Alibaba. Under the deal, Taobao product listings will appear in Weibo posts.",
     {"polarity": "opening", "actor": "Weibo"}),
    # a sentence naming no platform but opening with "It"/"The company" continues the previous one
    ("Douyin reported strong growth on Monday. It said it would stop allowing external links in comments.",
     {"polarity": "closing", "actor": "Douyin"}),
    # a leading "Having ..., " clause is background to the main clause's opposite event
    ("Having long blocked outside app stores, Samsung now lets Galaxy users install apps from rival stores.",
     {"polarity": "opening", "actor": "Samsung"}),
    # "a Douyin-style feed" names a kind of thing, not the platform
    ("Tencent's WeChat now lets users jump to Pinduoduo's mini program from a Douyin-style video feed.",
     {"polarity": "opening", "actor": "WeChat", "target": "Pinduoduo"}),
    # a maker's app store is an app store (event type) reported as its maker
    ("Huawei's AppGallery pulled NetEase games from its store after the two sides fell out.",
     {"polarity": "closing", "event_type": "app_store_or_device", "actor": "Huawei"}),
    # a permission announced by a speaker: the speaker grants it, the subject is the side let in
    ("Google said Samsung can now preinstall rival app stores on Galaxy phones.",
     {"polarity": "opening", "actor": "Google", "target": "Samsung"}),
    ("Apple said on Thursday that Spotify will be able to link to its own website for subscriptions.",
     {"polarity": "opening", "actor": "Apple", "target": "Spotify"}),
    # ... but not when the speaker owns the subject, or the subject acts on its own
    ("Meta said WhatsApp users can now message people on Signal.",
     {"polarity": "opening", "actor": "WhatsApp", "target": "Signal"}),
    # the company's own move with the authority's case only as its background is the company's opening;
    # the authority framing the commitment is still its order
    ("Google agreed to let Android users in Europe pick rival app stores, settling the European Commission's "
     "antitrust case.", {"polarity": "opening", "actor": "Google"}),
    ("Meta will let Messenger users chat with people on rival apps, under commitments it gave the European "
     "Commission last year.", {"polarity": "opening", "actor": "Meta"}),
    ("The KFTC said Kakao had agreed to stop blocking links to rival taxi apps.",
     {"polarity": "mandate", "actor": "KFTC", "target": "Kakao"}),
    # a law as the subject orders, even when the regulator enforcing it is named after the trigger
    ("The Digital Markets Act took effect in March, obliging Apple to allow rival app stores on iPhones, with "
     "breaches policed by the European Commission.", {"polarity": "mandate", "actor": "Digital Markets Act"}),
    # a fine sized as a share of revenue is no financial report
    ("The EU's new law obliges Apple to open the iPhone to rival app stores, with fines of up to 10% of global "
     "revenue.", {"polarity": "mandate", "target": "Apple"}),
    # a jurisdiction named as a place ("users in the EU ... will be asked to") orders nothing
    ("iPhone users in the EU will be asked to pick a default browser, and Apple now lets them delete Safari.",
     {"polarity": "opening", "actor": "Apple"}),
    # tagging or pinning another platform's products is a link, not advertising traffic
    ("Pinterest users can now tag Amazon products in their pins and buy them on Amazon.",
     {"polarity": "opening", "event_type": "link_access", "actor": "Pinterest", "target": "Amazon"}),
    # Latin American and South-East Asian wallets and delivery services are platforms
    ("Colombian Rappi users can now pay with Nequi, the delivery app said.",
     {"polarity": "opening", "event_type": "payment", "actor": "Rappi", "target": "Nequi"}),
    ("Peruvian shoppers can now pay on Mercado Libre with Yape.",
     {"polarity": "opening", "event_type": "payment", "actor": "Mercado Libre", "target": "Yape"}),
    # what stopped working is the subject before the trigger, not a platform named later in the clause
    ("Meituan's mini program has disappeared from Alipay, the app that once hosted Didi and Fliggy.",
     {"polarity": "closing", "actor": "Alipay", "target": "Meituan"}),
    # two national payment systems linked
    ("Tourists can now pay at PromptPay merchants with DuitNow QR codes after the central banks switched on a "
     "cross-border QR link.", {"polarity": "opening", "event_type": "payment"}),
    # content or a product that "can now be <done> from/inside/on" another platform: that platform lets it in
    ("Bilibili videos can now be played directly from links posted on Weibo, the microblog said.",
     {"polarity": "opening", "actor": "Weibo", "target": "Bilibili"}),
    ("Spotify can now be installed on Samsung TVs, the companies said.",
     {"polarity": "opening", "actor": "Samsung", "target": "Spotify"}),
    # a feature's bare name after another company's platform is that platform's feature
    ("WhatsApp Channels can no longer be shared to Telegram groups.", {"polarity": "closing", "target": "WhatsApp"}),
    # central banks order payment interoperability (South-East Asia, India, Brazil)
    ("Bank Negara Malaysia has ordered banks and e-wallets to accept DuitNow QR payments from all providers.",
     {"polarity": "mandate", "actor": "Bank Negara Malaysia"}),
    ("The messaging app Line has blocked links to Telegram in Thailand, users reported.",
     {"polarity": "closing", "actor": "LINE", "target": "Telegram"}),
    # an opening shown degraded ("as plain text", "without previews", "behind a warning") is a closing
    ("Xiaohongshu now shows Taobao links without previews in notes.",
     {"polarity": "closing", "actor": "Xiaohongshu", "target": "Taobao"}),
    ("WeChat now lets users open Taobao links without leaving the app.", {"polarity": "opening"}),
    # "now accessible through <host>": the host lets it in, even when the owner speaks after it
    ("Tmall Luxury Pavilion is now accessible through a WeChat mini program, Alibaba confirmed.",
     {"polarity": "opening", "actor": "WeChat", "target": "Tmall"}),
    # friction instead of a block: copy-and-open, having to leave the app
    ("Shoppers who click a Taobao link in WeChat are now asked to copy it and open the Taobao app instead.",
     {"polarity": "closing", "actor": "WeChat", "target": "Taobao"}),
    # a later speaker reporting its own act is the subject a participle continues
    ("Sunbird's app went dark on Friday, and Apple said it had changed how iMessage checks devices, cutting off "
     "the Android client.", {"polarity": "closing", "actor": "Apple"}),
    # cut off from a platform's resource: the owner of the resource acts
    ("Executives approved cutting off Snapchat from Facebook's friend-finding API in 2012.",
     {"polarity": "closing", "actor": "Facebook"}),
    # a crawler shut out of a site
    ("Amazon shut Google's shopping crawler out of its product pages in 2019.",
     {"polarity": "closing", "actor": "Amazon", "target": "Google"}),
    # the court where a company sues hears the claim; the claim names who blocks
    ("Kuaishou sued Tencent before a Beijing court, alleging that WeChat has blocked Kuaishou links for years "
     "and seeking 50 million yuan in damages.", {"polarity": "closing", "actor": "WeChat", "target": "Kuaishou"}),
    # a speaker ruling on what users may do on its service decides
    ("Reddit said moderators would no longer be allowed to promote Discord servers in their communities, "
     "including Twitch.", {"polarity": "closing", "actor": "Reddit", "target": "Discord"}),
    # a passive removal names the platform it is removed from first; a later "on" is another store
    ("Kuaishou was pulled from Huawei's AppGallery for a day, though it remained on Xiaomi's app store.",
     {"polarity": "closing", "actor": "Huawei", "target": "Kuaishou"}),
    # integrating one's service with another platform, bringing one's app to rivals' devices
    ("Flipkart will integrate its seller tools and its logistics arm with ONDC, the company said.",
     {"polarity": "opening", "actor": "Flipkart", "target": "ONDC"}),
    ("Apple brought its Apple Music app to rival devices from Amazon for the first time.",
     {"polarity": "opening", "actor": "Apple", "target": "Amazon"}),
    # denying users a rival service is a closing, and the verb does not make it a denial
    ("Apple is the only platform to deny gamers cloud gaming services such as xCloud, Microsoft said.",
     {"polarity": "closing", "actor": "Apple", "status": "live"}),
    # the one a complaint accuses acts, not the claimant; "used by" is no passive agent
    ("Spotify accused Apple of blocking its app updates on the App Store.",
     {"polarity": "closing", "actor": "Apple", "target": "Spotify"}),
    ("Apple said it had blocked techniques used by Beeper Mini to reach iMessage.",
     {"polarity": "closing", "actor": "Apple", "target": "Beeper"}),
    # a dated act a complaint recounts stays the company's closing
    ("The FTC's complaint says that in 2013 Facebook cut off Twitter's access to its friend-finding API.",
     {"polarity": "closing", "actor": "Facebook", "status": "background"}),
    # ending availability, bridging two networks, being back in a store
    ("Meta began ending news availability on Instagram for users in Canada this week.",
     {"polarity": "closing", "actor": "Meta"}),
    # a news block is about links and content, even when the law behind it makes platforms pay publishers
    ("Meta has begun ending news availability on Facebook and Instagram in Canada, in response to a law that makes "
     "platforms pay publishers.", {"polarity": "closing", "event_type": "link_access", "actor": "Meta"}),
    ("Bridgy Fed now connects Threads with Bluesky for users who opt in.",
     {"polarity": "opening", "actor": "Bridgy Fed"}),
    ("Fortnite is back in the Google Play Store after a five-year absence.",
     {"polarity": "opening", "actor": "Google Play"}),
    # cars, chargers and in-car platforms
    ("Tesla will let other brands' electric cars charge at its Superchargers in Europe.",
     {"polarity": "opening", "event_type": "logistics_or_service", "actor": "Tesla"}),
    ("Hyundai drivers now have access to more than 20,000 Tesla Superchargers in North America.",
     {"polarity": "opening", "event_type": "logistics_or_service"}),
    ("Rivian is testing support for Apple CarPlay in its trucks, people familiar with the matter said.",
     {"polarity": "opening", "actor": "Rivian", "status": "rumoured"}),
    ("The new Equinox ships without Apple CarPlay or Android Auto, which GM dropped in favour of its own software.",
     {"polarity": "closing", "actor": "General Motors"}),
    ("Xpeng will share its charging stations with Changan and other carmakers.",
     {"polarity": "opening", "actor": "Xpeng", "target": "Changan"}),
    # legislatures and countries that require, a regulator's finding after its order
    ("Japan plans to require Apple to allow rival browser engines on iPhones, officials said.",
     {"polarity": "mandate", "actor": "Japan", "target": "Apple"}),
    ("Japan's upper house enacted a law requiring Google to allow rival app stores on Android phones.",
     {"polarity": "mandate", "actor": "National Diet", "target": "Google"}),
    ("The KFTC fined Kakao and ordered corrective action, saying it cut off Uber's access to its taxi calls.",
     {"polarity": "mandate", "actor": "KFTC", "target": "Kakao"}),
    ("Korea's telecom regulator plans to fine Apple for violating the in-app payment law.",
     {"polarity": "mandate", "actor": "Korea Communications Commission", "target": "Apple"}),
    # a surcharge on one card makes it costly; a chip reserved for one's own wallet shuts rivals out
    ("Shoppers on Amazon Australia will pay a 1 per cent surcharge when they check out with a Visa credit card, "
     "the retailer said.", {"polarity": "closing", "actor": "Amazon", "target": "Visa"}),
    # (its target follows the event type: Curve as a payment, the chip when the model reads the device)
    ("For years Apple reserved the iPhone's NFC chip for Apple Pay, so Curve could offer tap-to-pay only on Android.",
     {"polarity": "closing", "actor": "Apple"}),
    # a parliament acts, the law it passes obliges
    ("The German parliament passed a law that requires Apple to let banks' wallets use the iPhone's NFC chip.",
     {"polarity": "mandate", "actor": "Bundestag", "target": "Apple"}),
    # retailers switching off readers, delivery partnerships begun and ended, a rival's assistant built in
    ("Back in 2015, Walgreens switched off the NFC readers at its tills, effectively blocking Apple Pay.",
     {"polarity": "closing", "actor": "Walgreens", "target": "Apple Pay", "status": "background"}),
    ("Kroger will end its same-day delivery partnership with Instacart next month, the grocer said.",
     {"polarity": "closing", "event_type": "logistics_or_service"}),
    ("Kroger is teaming up with Instacart to test same-day delivery in Cincinnati.",
     {"polarity": "opening", "event_type": "logistics_or_service"}),
    ("Samsung will build Gemini into Bixby on its new phones, the company said.",
     {"polarity": "opening", "actor": "Samsung", "target": "Google"}),
    # an order stated as what must stop, a campaign naming link blocking
    ("Regulators said blocking links to rival apps harms users and that the practice must stop by the end of the "
     "year, according to the MIIT.", {"polarity": "mandate"}),
    ("The MIIT launched a campaign against unfair conduct, naming the blocking of website links as a main target.",
     {"polarity": "mandate", "actor": "MIIT"}),
    # a company saying it never blocked is its denied closing; a developer account terminated before a store launch
    ("Google said it never blocked Spotify's Wear OS app, calling the complaint misleading.",
     {"polarity": "closing", "actor": "Google", "target": "Spotify", "status": "denied"}),
    ("Epic said Apple terminated its developer account, ending its plan to launch the Epic Games Store on iPhones.",
     {"polarity": "closing", "actor": "Apple"}),
    # switching charges that must disappear under a law; two payment systems linked
    ("Under the EU Data Act, egress fees and other switching charges must disappear by January 2027.",
     {"polarity": "mandate", "actor": "Data Act"}),
    ("Payment Connect, linking Hong Kong's Faster Payment System with the mainland's Internet Banking Payment "
     "System, goes live on Sunday.", {"polarity": "opening", "event_type": "payment"}),
    # where visitors pay is who lets them in; an authority's "shall not restrict" is its order
    ("Malaysian tourists will be able to pay at NETS QR merchants in Singapore using DuitNow, the central banks said.",
     {"polarity": "opening", "actor": "NETS", "target": "DuitNow"}),
    ("The regulator fined Google and said the company shall not restrict developers from using third-party billing "
     "services.", {"polarity": "mandate", "target": "Google"}),
    # news hidden from search results, news pages restored
    ("Google is testing a change that hides some Canadian news sites from search results for a small share of users.",
     {"polarity": "closing", "actor": "Google", "status": "trial"}),
    ("Facebook will restore news pages for Canadian users once the government amends the law, the company said.",
     {"polarity": "opening", "actor": "Facebook"}),
    # an entrance with a word between ("first-level delivery entrance")
    ("Meituan has had a first-level delivery entrance inside Alipay since 2019, giving it a door to Ant's users.",
     {"polarity": "opening", "target": "Alipay"}),
    # a judge acts for the court
    ("A federal judge on Monday ordered Google to let rival app stores into the Play Store for three years.",
     {"polarity": "mandate", "actor": "Court", "target": "Google"}),
    ("Judge Maria Lopez barred Apple from charging commissions on purchases that developers link to.",
     {"polarity": "mandate", "actor": "Court", "target": "Apple"}),
    # goods from other platforms in livestreams are links out; apps pulled from "their stores"
    ("Kuaishou will no longer allow goods from third-party platforms such as Taobao in its livestreams from "
     "next month.", {"polarity": "closing", "event_type": "link_access"}),
    ("In 2020 Apple and Google pulled the game from their stores within hours of its maker adding a direct-payment "
     "option.", {"polarity": "closing", "event_type": "app_store_or_device"}),
    # a deal in a clause that only dates the event is not the news; a company said never to have considered a
    # closing denies it; a threat of removal; streaming on rival services; social links removed; customers that
    # license an index; a state's "... Act" orders; visitors paying foreign merchants; model access is data;
    # licences on rival clouds are a service
    ("Google cut off the startup's access to its Gemini models, days after reports that Apple had agreed to buy "
     "the company.", {"polarity": "closing", "actor": "Google", "event_type": "login_or_data"}),
    ("Musk said Google had never considered pulling X from the Play Store.",
     {"polarity": "closing", "actor": "Google", "status": "denied"}),
    ("Apple told Substack it must move writers to in-app purchases by June or face removal from the App Store.",
     {"polarity": "closing", "actor": "Apple", "target": "Substack"}),
    ("Kick streamers can now stream simultaneously on other platforms such as YouTube and Twitch, the company said.",
     {"polarity": "opening", "actor": "Kick"}),
    ("From next month TikTok will remove clickable social links from profiles, the company said.",
     {"polarity": "closing", "actor": "TikTok", "event_type": "link_access"}),
    ("Google has threatened to cut off customers that license its search index if they use the data for chatbots.",
     {"polarity": "closing", "actor": "Google", "event_type": "login_or_data"}),
    ("Colorado's Social Media Choice Act will require platforms to let users move their followers to rival "
     "services.", {"polarity": "mandate", "actor": "Social Media Choice Act"}),
    ("Vietnamese tourists can now pay Thai merchants by scanning codes with GCash, the wallet said.",
     {"polarity": "opening", "event_type": "payment", "actor": "GCash"}),
    ("Microsoft said customers will no longer be able to bring their licences to dedicated hosts run by AWS and "
     "Google Cloud.", {"polarity": "closing", "actor": "Microsoft", "event_type": "logistics_or_service"}),
    # airline fares on travel agencies; other news caused by the event; banks capping or stopping payments for
    # crypto; an order to give up exclusive licences
    ("Lufthansa said it will start selling tickets through Expedia next year, reversing a long refusal.",
     {"polarity": "opening", "event_type": "link_access", "actor": "Lufthansa Group", "target": "Expedia"}),
    ("Wizz Air shares fell after Kiwi.com and eDreams stopped selling the airline's flights.",
     {"polarity": "closing"}),
    ("HSBC UK will cap payments to cryptocurrency exchanges at £2,500 a month, the bank said.",
     {"polarity": "closing", "event_type": "payment", "actor": "HSBC"}),
    ("Monzo has stopped customers buying bitcoin with its credit cards, citing the risk of debts.",
     {"polarity": "closing", "actor": "Monzo"}),
    ("China's market regulator ordered NetEase to give up its exclusive licensing rights to Japanese songs.",
     {"polarity": "mandate", "actor": "SAMR", "target": "NetEase"}),
    # joining or integrating with an open network; a courier added as an option on a marketplace
    ("Flipkart will integrate its logistics arm Ekart and its seller tools for small shops with ONDC.",
     {"polarity": "opening", "actor": "Flipkart", "target": "ONDC"}),
    ("Meesho said it will join ONDC as a seller-side platform.",
     {"polarity": "opening", "actor": "Meesho", "target": "ONDC"}),
    ("Cainiao has been added as a delivery option for merchants on JD.com.",
     {"polarity": "opening", "actor": "JD.com", "target": "Cainiao"}),
    # commitments an authority made binding are its order; ad inventory sold through another's buying platform
    ("The Commission has made Apple's commitments legally binding, meaning rival wallets will get free access to "
     "the iPhone's NFC chip for ten years.", {"polarity": "mandate", "actor": "European Commission",
                                              "target": "Apple"}),
    ("Hulu's ad inventory will be available to buy through The Trade Desk from next year.",
     {"polarity": "opening", "target": "The Trade Desk"}),
    # a store approved as a marketplace; exclusives released on a rival console; a company saying it will not
    # pull a game denies the closing
    ("Apple approved the Epic Games Store as an alternative marketplace for iPads, Epic said, after twice "
     "rejecting it.", {"polarity": "opening", "actor": "Apple"}),
    ("Nintendo is weighing releasing more of its exclusives on Xbox, people familiar with the plans said.",
     {"polarity": "opening", "actor": "Nintendo", "status": "rumoured"}),
    ("Sony has repeatedly said it will not pull Minecraft from Xbox, its chief told Microsoft in writing.",
     {"polarity": "closing", "actor": "Sony", "status": "denied"}),
    # a service plugged into another's system is let in by it; links long blocked inside a host; platforms
    # barred by rules an authority issued; links in bios and a keynote are no advert or chat
    ("Cainiao's couriers have been plugged into the Pinduoduo order system, the two companies confirmed.",
     {"polarity": "opening", "actor": "Pinduoduo", "target": "Cainiao"}),
    ("Since Douyin and Kuaishou links have long been blocked inside WeChat, creators post QR codes instead.",
     {"polarity": "closing", "actor": "WeChat", "target": "Douyin"}),
    ("JD links are still blocked on Douyin, so sellers send shoppers to mini programs.",
     {"polarity": "closing", "actor": "Douyin", "target": "JD.com"}),
    ("Apps will be prohibited from using technical tricks to block rivals' links under rules issued by the MIIT.",
     {"polarity": "mandate", "actor": "MIIT"}),
    ("Platforms are banned from blocking one another's links under new guidelines published by the State "
     "Administration for Market Regulation.", {"polarity": "mandate", "actor": "SAMR"}),
    ("Bluesky said it will stop showing links to Threads and X in users' bios, days after a spam wave.",
     {"polarity": "closing", "event_type": "link_access", "actor": "Bluesky"}),
    ("Amazon said Shopify sellers will be able to list their goods on Amazon's marketplace in a few clicks, "
     "announcing the tie-up at its annual conference.", {"polarity": "opening", "event_type": "link_access"}),
    ("Xiaohongshu is removing links to Taobao from notes, the app told brands in a notice.",
     {"polarity": "closing", "actor": "Xiaohongshu", "target": "Taobao"}),
    # a card usable through a wallet is let in by the wallet; systems' connections cut; choosing not to build
    # an app for a rival's system; a legislature that requires
    ("ICOCA cards will be usable through Google Wallet from the spring, JR West said.",
     {"polarity": "opening", "event_type": "payment", "actor": "Google Wallet", "target": "ICOCA"}),
    ("Samsung said it would sever all connections between its SmartThings servers and Google Home by June.",
     {"polarity": "closing", "actor": "Samsung"}),
    ("Google chose not to build Google Wallet for iOS, executives told the court.",
     {"polarity": "closing", "actor": "Google"}),
    ("Taiwan's legislature passed a bill requiring JKOPay and LINE Pay to accept transfers from each other.",
     {"polarity": "mandate", "actor": "Legislative Yuan"}),
]

NOT_SIGNALS = [
    "Meta banned the accounts of several Russian state media outlets on Facebook and Instagram for foreign interference.",
    "Kwai, Kuaishou's overseas app, removed 12 million fake accounts in Brazil ahead of the elections.",
    "An outage at Amazon Web Services took down apps including Snapchat and Fortnite for several hours.",
    "Apple returned to growth in China in the third quarter.",
    "The CMA said the cloud market is not working well for customers and may open an investigation into Microsoft.",
    "Alibaba's Qwen app can now book trips on Fliggy and pay through Alipay from inside a chat.",
    "The Reserve Bank of India told Paytm to stop accepting deposits, the central bank said.",
    # a competitor is no counterpart; a market-share claim is no permission
    "Lalamove drivers can now pick up passengers in Hong Kong, competing with Uber.",
    "Google said Microsoft can now claim the largest share of the cloud market.",
    # speaker-permission, support-dropping and cross-border-link phrasings without an interop event
    "Apple said Samsung could now face tougher competition in the premium phone market.",
    "Samsung dropped the Galaxy Note line in 2022 to focus on foldables, unlike Apple.",
    "Visa linked its quarterly growth to cross-border travel, while Mastercard said the same.",
    # state media bans, stakes and investments, a sister service's shutdown, a looming government ban,
    # another company's "Channels", a regulator's order over a data leak
    "Microsoft said it was removing apps of Russian state media outlets from the Microsoft Store, citing disinformation.",
    "Alibaba will invest $500 million in Lazada's rival and take a 30% stake, giving it access to Shopee shoppers.",
    "Mercari will end the Merpay wallet service next year, and its users will be able to transfer their balances to PayPay.",
    "Lemon8 climbed the Google Play chart as TikTok users signed up ahead of a looming ban.",
    "Telegram is rolling out Channels to more users, letting creators send updates to their followers.",
    "Japan's communications ministry told LINE Yahoo to reduce its reliance on Naver for systems after a data leak.",
    # a product discontinued, a bank supervisor's curbs, a fine for tying, a word that is also a platform name
    "Sony is shutting down its new hero shooter three weeks after launch and refunding players on Steam and PlayStation.",
    "Paytm's founder quit the bank's board a month after the RBI ordered it to stop taking fresh deposits.",
    "Seoul fined Kakao 27 billion won for tying its taxi-hailing service to its maps app and imposing unfair terms on "
    "rival taxi apps.",
    "Germany's cartel office designated Microsoft as a company of paramount significance, allowing it to intervene "
    "earlier against conduct it considers harmful.",
    # age limits set by law, accounts suspended for conduct, content-rule fines
    "Australia's ban on social media accounts for users under 16 requires Snapchat and YouTube to remove young users.",
    "An influencer had his accounts suspended on Kuaishou and Weibo in a campaign against flaunting wealth.",
    "The Commission fined X, saying its blue checkmarks deceive users and that it does not give researchers access "
    "to data.",
    # a nickname that is also a platform's name ("King", Activision's games studio)
    "China's 'Lipstick King' Li Jiaqi returned to Taobao Live after three months away.",
    # a price war "kicked off", a competitor taken on
    "Alibaba cut prices for its Qwen models, escalating a price war that ByteDance kicked off with its Doubao models "
    "days earlier.",
    "Taobao put Ele.me's delivery on a first-page tab to take on Meituan in instant retail.",
    # paid account sharing, a fine over a merger
    "Netflix began charging subscribers extra for password sharing outside the household, following Disney's "
    "crackdown.",
    "Regulators fined Uber and Careem over their merger and ordered Careem to drop exclusivity clauses with drivers.",
    # an app that pulls chats into one inbox, bought; a glitch; lobbying; data for the police; fines over
    # transparency; content rules; outlets told to stop taking parcels
    "WordPress owner Automattic bought Beeper, an app that pulls chats from WhatsApp, Signal and Telegram into one "
    "inbox.",
    "Alipay said a glitch wrongly applied a discount to some payments for ten minutes and it would not ask users to "
    "pay back the money.",
    "Samsung launched an ad campaign pressing Apple to adopt RCS, saying group chats between iPhones and Galaxy "
    "phones are broken.",
    "Kazakhstan said it was restricting calls on Telegram and WhatsApp, accusing the apps of refusing to share "
    "information with law enforcement.",
    "The Dutch privacy regulator fined Uber for failing to be transparent about how it shares drivers' data with "
    "its US headquarters.",
    "X will loosen its restrictions on topics such as elections, and end fact-checking labels on Instagram posts.",
    "The postal bureau ordered some ZTO Express outlets to stop collecting parcels after they priced delivery below "
    "cost.",
    # a system free of a rival's code, a race to match a rival, an app to win over a rival's users, an order over
    # permissions
    "Huawei unveiled phones running HarmonyOS Next, its operating system stripped of Android code.",
    "Kuaishou opened its video model to all users as Chinese firms race to match OpenAI's Sora.",
    "Instagram launched an editing app with a recording limit to win over people who use ByteDance's CapCut.",
    "The MIIT ordered 20 apps to fix excessive permission requests within a month or face removal from app stores.",
    # a consumer-protection undertaking, a tax fight ended, a hack, a rival named as such, a merger blocked
    "The CMA said Trivago and Agoda had agreed to stop pressure-selling tactics and show compulsory charges in "
    "headline prices.",
    "Apple must pay back taxes to Ireland, the court ruled, ending a decade-long fight over its tax arrangements "
    "with Google.",
    "LINE said hackers used malware on a partner's computer, giving attackers a route into Naver's systems.",
    "Snapchat, a rival to Instagram, is not yet available in some markets.",
    "Visa and Tink called off their merger a year after the Justice Department sued to block the deal.",
    # a government's ban on apps, not a platform's
    "Shein will close its India office, weeks after India banned TikTok and other Chinese apps.",
    # an advertiser boycott; a court fight ended
    "Advertisers including Unilever and the BBC pulled ads from Facebook after brands appeared next to extremist "
    "posts.",
    "The EU court upheld the fine on Google, ending a seven-year legal fight, and ordered Apple to repay taxes.",
    # an outage that took apps down
    "A DNS fault at Google Cloud took down Spotify, Discord and PayPal for much of Tuesday before services "
    "returned to normal.",
    "An outage at Cloudflare took down X, ChatGPT and Venmo for three hours on Tuesday.",
    # the platforms a launch competes with are no counterpart
    "Toss launched a wallet that lets users send money to friends, entering a market crowded with Kakao Pay, "
    "Naver Pay and Samsung Pay.",
    # a store chart topped ahead of a government's ban; a trending list to rectify; a merger's remedies; two
    # companies building a product together
    "Lemon8 climbed to first place on Google Play as Americans bracing for a TikTok ban downloaded it.",
    "The CAC ordered Douyin to rectify its trending list, saying it had hyped celebrity gossip, and to punish "
    "those responsible.",
    "Malaysia's competition regulator fined Grab and Uber over their 2018 merger and ordered Grab to scrap "
    "exclusivity deals with drivers.",
    "Baidu will work with Samsung to power AI features on Galaxy phones sold in China.",
]


@pytest.mark.parametrize("text,want", CASES)
def test_error_class(text, want):
    got = best(text)
    assert got is not None, text
    for key, value in want.items():
        have = getattr(got, key)
        ok = same_party(value, have) if key in ("actor", "target") else have == value
        assert ok, f"{key}: {have!r}, expected {value!r} ({got.rule_id})"


@pytest.mark.parametrize("text,elsewhere", [
    ("The Italian antitrust watchdog ordered Google to let a rival charging app run on Android Auto.", "SAMR"),
    ("Uruguay's central bank will require banks and wallets such as Mercado Pago to make their QR codes readable "
     "by any other app.", "PBOC"),
])
def test_another_country_s_regulator_orders_not_china_s(text, elsewhere):
    # "antitrust watchdog" and "central bank" name China's bodies only where no other country qualifies them;
    # the lenient party match of CASES would accept SAMR for "Italian antitrust watchdog", so check the name.
    got = best(text)
    assert got is not None and got.polarity == "mandate" and got.actor not in (elsewhere, None), got


@pytest.mark.parametrize("text", NOT_SIGNALS)
def test_not_a_signal(text):
    assert best(text) is None


@pytest.mark.parametrize("name", ["interop_round2_a.jsonl", "interop_round2_b.jsonl", "interop_round2_c.jsonl",
                                  "interop_round2_d.jsonl", "interop_round2_e.jsonl", "interop_round2_f.jsonl",
                                  "interop_round2_g.jsonl", "interop_round2_h.jsonl", "interop_round2_i.jsonl",
                                  "interop_round2_j.jsonl", "interop_round2_k.jsonl"])
def test_round2_sets_meet_the_targets(name):
    result = evaluate(tagger(MODEL), FIXTURES / name)  # the targets are for the default config's model
    got = {"f1": result["interop"]["f1"], **{k: result[k] for k in TARGETS if k != "f1"}}
    assert [k for k, v in TARGETS.items() if got[k] < v] == [], result


@pytest.mark.parametrize("name", ["interop_round3_a.jsonl", "interop_round3_b.jsonl", "interop_round3_c.jsonl",
                                  "interop_round4_a.jsonl", "interop_round4_b.jsonl"])
def test_round3_sets_stay_at_the_targets(name):
    # Tuned on after their first run (recorded in docs/tagger.md).
    result = evaluate(tagger(MODEL), FIXTURES / name)  # the targets are for the default config's model
    got = {"f1": result["interop"]["f1"], **{k: result[k] for k in TARGETS if k != "f1"}}
    assert [k for k, v in TARGETS.items() if got[k] < v and k not in LABEL_CONFLICTS.get(name, ())] == [], result


# Fields a set labels against the convention most sets follow, so its accuracy there is not a target.
LABEL_CONFLICTS = {
    # "Trip.com has launched a mini app inside GCash": this set makes the host the actor; most sets make the
    # platform that launches the mini program the actor (docs/tagger.md, round 5).
    "interop_round4_b.jsonl": ("actor_accuracy",),
}
