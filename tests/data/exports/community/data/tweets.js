window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1655497767121846272"
          ],
          "editableUntil" : "2023-05-08T10:00:00.000Z",
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
        "53"
      ],
      "favorite_count" : "4",
      "id_str" : "1655497767121846272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1655497767121846272",
      "created_at" : "Mon May 08 09:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Welcome to the new cultural programme of the mission.",
      "lang" : "en"
    }
  }
]
