window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1570027079070646272"
          ],
          "editableUntil" : "2022-09-14T13:30:00.000Z",
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
        "66"
      ],
      "favorite_count" : "4",
      "id_str" : "1570027079070646272",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1570027079070646272",
      "created_at" : "Wed Sep 14 12:30:00 +0000 2022",
      "favorited" : false,
      "full_text" : "Our consular section is closed on Monday for the national holiday.",
      "lang" : "en"
    }
  }
]
