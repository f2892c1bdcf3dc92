window.YTD.community_tweet.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1655502800286646272"
          ],
          "editableUntil" : "2023-05-08T10:20:00.000Z",
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
        "84"
      ],
      "favorite_count" : "4",
      "id_str" : "1655502800286646272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1655502800286646272",
      "created_at" : "Mon May 08 09:20:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Question for the Andean heritage community: which archives should we digitise first?",
      "lang" : "en",
      "community_id" : "1493446837214187523",
      "community_id_str" : "1493446837214187523",
      "scopes" : {
        "followers" : false
      }
    }
  }
]
