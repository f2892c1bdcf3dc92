window.YTD.tweets.part1 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1569989330334646272"
          ],
          "editableUntil" : "2022-09-14T11:00:00.000Z",
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
        "56"
      ],
      "favorite_count" : "4",
      "id_str" : "1569989330334646272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1569989330334646272",
      "created_at" : "Wed Sep 14 10:00:00 +0000 2022",
      "favorited" : false,
      "full_text" : "Visa appointments now open online for the autumn season.",
      "lang" : "en"
    }
  }
]
