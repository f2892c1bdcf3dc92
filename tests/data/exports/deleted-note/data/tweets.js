window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1759956069381046272"
          ],
          "editableUntil" : "2024-02-20T16:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "64"
      ],
      "favorite_count" : "4",
      "id_str" : "1759956069381046272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1759956069381046272",
      "created_at" : "Tue Feb 20 15:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Thank you to everyone who came to the open day at the residence.",
      "lang" : "en"
    }
  }
]
